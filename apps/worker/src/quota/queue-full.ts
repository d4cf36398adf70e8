import { statedQueueLimit } from '@tranche/adapters';
import {
  type BatchRow,
  type JobRow,
  learnQuotaLimit,
  quotaUsage,
  replanAfterQuotaFailure,
} from '@tranche/db';
import type { WorkerContext } from '../context';

/**
 * The provider failed the batch because its batch queue was full (OpenAI's `token_limit_exceeded`): nothing is wrong
 * with the requests, so none of them fails. They go into a new planned batch that waits for room and is sent again
 * (woken when a batch of the provider ends, or after QUOTA_RECHECK_MS); the failed batch stays recorded. The limit the
 * provider states in its message becomes a budget of the model (a day long), so its chunks wait for room instead of
 * being refused again. When nothing else of the model was at the provider, the chunk alone was over the limit: it is
 * split in two halves, the first sent at once, the second when room frees.
 *
 * Returns false for a chunk of one request alone over the limit, which no resend can help: the caller settles it as
 * a failed batch (its request is retried within max_attempts, then fails with the provider's reason).
 */
export async function resendAfterQueueFull(
  ctx: WorkerContext,
  batch: BatchRow,
  job: JobRow,
): Promise<boolean> {
  // The provider says how much its queue holds: from now on the model's chunks wait for that much room.
  const stated = statedQueueLimit(batch.failures);
  if (stated !== null) await learnQuotaLimit(ctx.sql, batch.provider, job.model, stated);
  const usage = await quotaUsage(ctx.sql, {
    id: batch.id,
    provider: batch.provider,
    model: job.model,
    waitingSince: null,
  });
  const alone = usage.model.inFlight.batches === 0;
  if (alone && batch.request_count <= 1) return false;
  const resent = await replanAfterQuotaFailure(ctx.sql, batch, { split: alone });
  ctx.log.warn(
    {
      jobId: job.id,
      batchId: batch.id,
      providerBatchId: batch.provider_batch_id,
      resentAs: resent,
      failures: batch.failures,
    },
    alone
      ? "the provider's batch queue was full with nothing else of the model in it: the chunk is split and sent again"
      : "the provider's batch queue was full: the chunk waits for room and is sent again",
  );
  for (const [index, batchId] of resent.entries()) {
    await ctx.queues.enqueueSubmitBatch(batchId, alone && index === 0 ? 0 : ctx.env.QUOTA_RECHECK_MS);
  }
  return true;
}
