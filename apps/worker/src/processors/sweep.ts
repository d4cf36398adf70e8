import type { BatchAdapter, Provider } from '@tranche/adapters';
import {
  batchesToClean,
  finishJobIfDone,
  markBatchCleaned,
  requestCancel,
  type Sql,
  sweepTargets,
} from '@tranche/db';
import type { EnqueueOutcome } from '@tranche/queues';
import { checkAllBudgets } from '../alerts/budgets';
import { catchUpNotifications } from '../alerts/catch-up';
import { onJobFinished, raiseJobTimedOut } from '../alerts/job-finished';
import { quietly } from '../alerts/raise';
import { raiseStuckBatchAlerts } from '../alerts/stuck-batches';
import type { WorkerContext } from '../context';

/**
 * Re-creates queue work for everything Postgres says is in flight (stable job ids make this a no-op when the work
 * is still queued; a failed queue job under the id is revived), times out jobs past their deadline and ends jobs
 * that have nothing left. Then raises the alerts only time can tell (stuck batches, budgets) and catches up on
 * notifications that were missed.
 */
export async function processSweep(ctx: WorkerContext): Promise<void> {
  const targets = await sweepTargets(ctx.sql);
  for (const jobId of targets.jobsTimedOut) {
    const outcome = await requestCancel(ctx.sql, jobId, 'timeout', ctx.priceFor);
    if (outcome.kind !== 'cancelling') continue;
    ctx.log.info({ jobId, timeoutAt: outcome.job.timeout_at }, 'job timed out: cancelling its batches');
    await quietly(ctx, 'timeout alert', () => raiseJobTimedOut(ctx, outcome.job));
    for (const batchId of outcome.batchesToWake) await ctx.queues.pollNow(batchId);
    if (outcome.finished) await onJobFinished(ctx, jobId);
  }
  // A queue job that ended failed anyway (out of attempts, stalled too often) is revived here: see addOrRevive.
  const revived = (outcome: EnqueueOutcome, work: Record<string, unknown>) => {
    if (outcome === 'revived') ctx.log.warn(work, 'revived a failed queue job for work still in flight');
  };
  for (const { id, round } of targets.jobsToSubmit) {
    revived(await ctx.queues.enqueueSubmit(id, round), { queue: 'submit', jobId: id, round });
  }
  for (const batchId of targets.batchesToSubmit) {
    revived(await ctx.queues.enqueueSubmitBatch(batchId), { queue: 'submit-batch', batchId });
  }
  for (const batchId of targets.batchesToPoll) {
    revived(await ctx.queues.enqueuePoll(batchId), { queue: 'poll', batchId });
  }
  for (const batchId of targets.batchesToFetch) {
    revived(await ctx.queues.enqueueFetch(batchId), { queue: 'fetch', batchId });
  }
  for (const jobId of targets.jobsToFinish) {
    const finished = await ctx.sql.begin((tx) => finishJobIfDone(tx as unknown as Sql, jobId));
    if (finished) await onJobFinished(ctx, jobId);
  }
  await quietly(ctx, 'stuck batch alerts', () => raiseStuckBatchAlerts(ctx));
  await quietly(ctx, 'budget alerts', () => checkAllBudgets(ctx));
  await quietly(ctx, 'notification catch-up', () => catchUpNotifications(ctx));
  await cleanProviderFiles(ctx);
}

/** Deletes what providers keep for batches whose results are stored and retained long enough. */
async function cleanProviderFiles(ctx: WorkerContext): Promise<void> {
  for (const batch of await batchesToClean(ctx.sql, ctx.env.PROVIDER_FILE_RETENTION_H)) {
    let adapter: BatchAdapter;
    try {
      adapter = ctx.adapters.get(batch.provider as Provider);
    } catch {
      continue; // not configured on this worker: another one may be
    }
    try {
      await adapter.cleanup?.({
        providerBatchId: batch.provider_batch_id ?? '',
        inputFileId: batch.input_file_id,
        outputFileId: batch.output_file_id,
        errorFileId: batch.error_file_id,
      });
      await markBatchCleaned(ctx.sql, batch.id);
    } catch (error) {
      ctx.log.warn(
        { batchId: batch.id, err: error instanceof Error ? error.message : String(error) },
        'cleanup failed',
      );
    }
  }
}
