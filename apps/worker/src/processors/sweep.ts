import { finishJobIfDone, requestCancel, type Sql, sweepTargets } from '@tranche/db';
import type { WorkerContext } from '../context';

/**
 * Re-creates queue work for everything Postgres says is in flight (stable job ids make this a no-op when the work
 * is still queued), times out jobs past their deadline and ends jobs that have nothing left.
 */
export async function processSweep(ctx: WorkerContext): Promise<void> {
  const targets = await sweepTargets(ctx.sql);
  for (const jobId of targets.jobsTimedOut) {
    const outcome = await requestCancel(ctx.sql, jobId, 'timeout');
    if (outcome.kind !== 'cancelling') continue;
    ctx.log.error(
      { jobId, timeoutAt: outcome.job.timeout_at, alert: 'job_timed_out' },
      'job timed out: cancelling its batches',
    );
    for (const batchId of outcome.batchesToWake) await ctx.queues.pollNow(batchId);
  }
  for (const { id, round } of targets.jobsToSubmit) await ctx.queues.enqueueSubmit(id, round);
  for (const batchId of targets.batchesToPoll) await ctx.queues.enqueuePoll(batchId);
  for (const batchId of targets.batchesToFetch) await ctx.queues.enqueueFetch(batchId);
  for (const jobId of targets.jobsToFinish) {
    await ctx.sql.begin((tx) => finishJobIfDone(tx as unknown as Sql, jobId));
  }
}
