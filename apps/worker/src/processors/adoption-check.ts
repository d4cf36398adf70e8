import type { BatchAdapter, BatchRef } from '@tranche/adapters';
import {
  type BatchRow,
  batchCustomIdsInFileOrder,
  type JobRow,
  markAdoptionVerified,
  type StoredError,
  undoAdoption,
} from '@tranche/db';
import { batchContextOf, type WorkerContext } from '../context';
import { compareCustomIds } from './custom-id-sets';
import { isLostBatch } from './lost-batch';

/**
 * A batch adopted after a crash by its size alone (an Anthropic batch carries nothing of ours) may be another
 * chunk's: another worker's not yet recorded, or one made outside Tranche in the same workspace. Before fetch stores
 * any of it, its results are read once for their custom ids only (the results stream names every request) and
 * compared with the chunk's.
 *
 * The same set: the batch is the chunk's, recorded as proven, and fetch goes on (reading the results a second time).
 * Otherwise (or when the provider no longer has the results, so nothing can be proven) the adoption is undone: the
 * chunk is planned again and its send queued, so it is sent itself. Nothing of the other batch is stored, and it is
 * neither cancelled nor deleted. A result line whose custom id cannot be read counts as missing: at worst a right
 * adoption is undone and the chunk runs (and is billed) twice, never is a wrong one used.
 *
 * Returns whether fetch may go on with the batch.
 */
export async function proveAdoption(
  ctx: WorkerContext,
  batch: BatchRow,
  job: JobRow,
  adapter: BatchAdapter,
  ref: BatchRef,
): Promise<boolean> {
  const where = { jobId: job.id, batchId: batch.id, providerBatchId: ref.providerBatchId };
  const answered: string[] = [];
  let lost = false;
  try {
    for await (const result of adapter.fetchResults(ref, batchContextOf(job))) answered.push(result.customId);
  } catch (error) {
    if (!isLostBatch(error)) throw error;
    lost = true;
  }
  const comparison = compareCustomIds(await batchCustomIdsInFileOrder(ctx.sql, batch.id), answered);
  if (comparison.same && !lost) {
    await markAdoptionVerified(ctx.sql, batch.id);
    ctx.log.info(where, "an adopted batch's results are the chunk's: adoption verified");
    return true;
  }
  if (await undoAdoption(ctx.sql, batch.id, ref.providerBatchId)) {
    ctx.log.error(
      { ...where, missing: comparison.missing, unexpected: comparison.unexpected, resultsLost: lost },
      "undid a wrong adoption: the batch adopted by size does not hold the chunk's requests; sending the chunk itself",
    );
    await ctx.queues.enqueueSubmitBatch(batch.id);
  }
  return false;
}

/**
 * Why the inputs of a batch adopted by size, still unproven when its job was cancelled, failed. Such a batch is not
 * cancelled at the provider (it may be another chunk's work): its inputs are settled here instead, and it is never
 * deleted either (`batchesToClean`).
 */
export const UNPROVEN_ADOPTION_CANCELLED: StoredError = {
  type: 'cancelled',
  code: 'batch_cancelled',
  message: 'the job was cancelled before the results of this request were read',
  retryable: false,
};
