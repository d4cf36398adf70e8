import type { BlobStore } from '../core/blob-store';
import { JsonlWriter } from '../core/jsonl-writer';
import { createRng, seedFrom } from '../core/prng';
import { ResultLineFaults, topLevelCustomId } from '../core/result-line-faults';
import type { BatchRecord } from './batch-record';
import { notRunLine, outcomeLine } from './result-lines';

/**
 * Streams the results file: one line per request, in the shuffled completion order; requests that never
 * ran (cancel, expiry) come last as `canceled` or `expired`.
 */
export async function writeBatchResults(batch: BatchRecord, blobs: BlobStore): Promise<void> {
  const { plan } = batch;
  const total = plan.outcomes.length;
  const ran = batch.ran ?? total;
  const notRun = batch.endReason === 'expired' ? 'expired' : 'canceled';
  const rng = createRng(seedFrom(batch.faults.seed, 'anthropic', batch.seq, 'result-ids'));
  const path = blobs.newPath(`${batch.id}-results`);
  const writer = new JsonlWriter(path);
  const lineFaults = ResultLineFaults.of(
    batch.faults.lines,
    batch.faults.seed,
    ['anthropic', batch.seq, 'results'],
    topLevelCustomId,
  );
  try {
    for (let k = 0; k < total; k++) {
      const index = plan.order[k]!;
      const customId = plan.customIds[index]!;
      const line = k < ran ? outcomeLine(customId, plan.outcomes[index]!, rng) : notRunLine(customId, notRun);
      for (const out of lineFaults ? lineFaults.apply(line) : [line]) {
        const waiting = writer.writeLine(out);
        if (waiting) await waiting;
      }
    }
    await writer.close();
  } catch (error) {
    await writer.close().catch(() => undefined);
    await blobs.remove(path);
    throw error;
  }
  if (batch.discarded) await blobs.remove(path);
  else batch.resultsPath = path;
}
