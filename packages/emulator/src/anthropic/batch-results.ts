import type { BatchRun } from '../core/batch-engine/batch';
import { batchRng } from '../core/batch-engine/plan';
import { inCompletionOrder, ResultFiles } from '../core/batch-engine/results';
import type { BlobStore } from '../core/blob-store';
import type { AnthropicBatch } from './batch-record';
import { notRunLine, outcomeLine } from './result-lines';

/**
 * Streams the results file: one line per request, in the shuffled completion order; requests that never
 * ran (cancel, expiry) come last as `canceled` or `expired`.
 */
export async function writeBatchResults(
  batch: AnthropicBatch,
  run: BatchRun,
  blobs: BlobStore,
): Promise<void> {
  const plan = batch.plan!;
  const notRun = run.reason === 'expired' ? 'expired' : 'canceled';
  const rng = batchRng(batch.faults.seed, 'anthropic', batch.seq, 'result-ids');
  const files = new ResultFiles(blobs, batch, 'anthropic', ['results']);
  await inCompletionOrder(batch, run, {
    ran: (index) => files.write('results', outcomeLine(plan.customIds[index]!, plan.outcomes[index]!, rng)),
    notRun: (index) => files.write('results', notRunLine(plan.customIds[index]!, notRun)),
  });
  const written = await files.close();
  batch.resultsPath = written.results?.path ?? null;
}
