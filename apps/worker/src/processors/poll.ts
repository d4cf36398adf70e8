import type { BatchRef, PollResult, Provider } from '@tranche/adapters';
import { callbackReceivedWithin, getBatchWithJob, markCancelSent, recordPoll } from '@tranche/db';
import { pollPayload } from '@tranche/queues';
import { DelayedError, type Job } from 'bullmq';
import type { WorkerContext } from '../context';
import { wakeChunksWaitingForQuota } from '../quota/wake';
import { safeMessage, secretsOf } from '../safe-message';
import { UNPROVEN_ADOPTION_CANCELLED } from './adoption-check';
import { settleBatch } from './fetch';
import { isLostBatch, lostBatchError } from './lost-batch';

// While a cancel is under way, or when a provider's callback came while this poll was asking, look again soon rather
// than after a full poll interval.
const SOON_MS = 1_000;

/**
 * One poll job per provider batch, under a stable id. It asks the provider once, records what it said, and puts
 * itself back to sleep until the batch ends, then hands over to fetch. Errors it does not settle itself (a 5xx, a
 * refused key) go to `keepTrying`, which puts it back to wait with a backoff instead.
 */
export async function processPoll(ctx: WorkerContext, queueJob: Job, token?: string): Promise<void> {
  const { batchId } = pollPayload.parse(queueJob.data);
  const found = await getBatchWithJob(ctx.sql, batchId);
  if (!found) return;
  const { batch, job } = found;
  if (batch.state === 'ended') {
    await ctx.queues.enqueueFetch(batchId);
    return;
  }
  if (batch.state !== 'submitted' || !batch.provider_batch_id) return;
  if (job.cancel_reason && batch.adoption_unverified) {
    // Adopted by size and not yet proven this chunk's: cancelling it might cancel another chunk's work.
    ctx.log.warn(
      { jobId: job.id, batchId, providerBatchId: batch.provider_batch_id, reason: job.cancel_reason },
      'not cancelling a batch adopted by size only: its inputs are settled here as cancelled',
    );
    await settleBatch(ctx, batch, job, UNPROVEN_ADOPTION_CANCELLED);
    return;
  }
  const adapter = ctx.adapters.get(batch.provider as Provider);
  const ref: BatchRef = {
    providerBatchId: batch.provider_batch_id,
    outputFileId: batch.output_file_id,
    errorFileId: batch.error_file_id,
  };
  // A callback that comes while this poll runs finds it active, so its wake-up is lost: it is looked for below, over
  // the time this poll took (a duration: the database's clock dates the callbacks).
  const startedAt = performance.now();
  let poll: PollResult;
  try {
    if (job.cancel_reason && !batch.cancel_sent_at) {
      await adapter.cancel(ref);
      await markCancelSent(ctx.sql, batchId);
      ctx.log.info({ jobId: job.id, batchId, reason: job.cancel_reason }, 'batch cancel sent');
    }
    poll = await adapter.poll(ref);
  } catch (error) {
    if (!isLostBatch(error)) throw error;
    // The provider lost the batch: its inputs fail once (sent again while attempts remain) and this poll ends.
    ctx.log.warn(
      { jobId: job.id, batchId, err: safeMessage(error.message, secretsOf(ctx.env)) },
      'the provider lost a batch',
    );
    await settleBatch(ctx, batch, job, lostBatchError(batch));
    return;
  }
  const ended = poll.phase === 'ended';
  await recordPoll(ctx.sql, batchId, {
    providerStatus: poll.providerStatus,
    ended,
    outcome: poll.outcome ?? null,
    counts: poll.counts,
    outputFileId: poll.outputFileId ?? null,
    errorFileId: poll.errorFileId ?? null,
    failures: poll.failures && poll.failures.length > 0 ? poll.failures : null,
  });
  if (ended) {
    ctx.log.info({ jobId: job.id, batchId, outcome: poll.outcome, counts: poll.counts }, 'batch ended');
    await ctx.queues.enqueueFetch(batchId);
    // Its place in the provider's queue is free: chunks waiting for quota look again now.
    await wakeChunksWaitingForQuota(ctx, batch.provider);
    return;
  }
  const soon =
    Boolean(job.cancel_reason) ||
    (await callbackReceivedWithin(ctx.sql, batchId, performance.now() - startedAt));
  const delay = soon ? SOON_MS : job.poll_interval_s * 1000;
  await queueJob.moveToDelayed(Date.now() + delay, token);
  throw new DelayedError();
}
