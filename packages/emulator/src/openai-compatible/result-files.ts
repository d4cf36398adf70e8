import type { BatchRun, EngineBatch } from '../core/batch-engine/batch';
import { batchRng } from '../core/batch-engine/plan';
import { inCompletionOrder, ResultFiles, type WrittenFile } from '../core/batch-engine/results';
import type { BlobStore } from '../core/blob-store';
import type { Rng } from '../core/prng';
import type { CompatiblePlan } from './request-plan';

/** The provider's result lines; ids in them come from `rng`, so result files repeat byte for byte. */
export interface CompatibleResultLines {
  ran(index: number, finishedAt: number, rng: Rng): string;
  /** A request the expiry kept from running; without it such requests get no line. */
  notRun?(index: number, rng: Rng): string;
}

/**
 * Streams the results of a batch of OpenAI-style requests in completion order: successes to the `output` file,
 * failures (then requests that did not run) to the `error` file. A file that gets no line is not created.
 */
export async function writeCompatibleResults(
  batch: EngineBatch<CompatiblePlan<string | null>>,
  run: BatchRun,
  sink: { provider: string; blobs: BlobStore },
  lines: CompatibleResultLines,
): Promise<Record<'output' | 'error', WrittenFile | null>> {
  const { outcomes } = batch.plan!;
  const rng = batchRng(batch.faults.seed, sink.provider, batch.seq, 'result-ids');
  const files = new ResultFiles(sink.blobs, batch, sink.provider, ['output', 'error']);
  const { notRun } = lines;
  await inCompletionOrder(batch, run, {
    ran: (index, finishedAt) =>
      files.write(outcomes[index]!.kind === 'error' ? 'error' : 'output', lines.ran(index, finishedAt, rng)),
    notRun: notRun && ((index) => files.write('error', notRun(index, rng))),
  });
  return files.close();
}
