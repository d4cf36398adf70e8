import type { BatchAdapter, Provider } from '@tranche/adapters';
import {
  batchesToClean,
  finishJobIfDone,
  markBatchCleaned,
  requestCancel,
  type Sql,
  sweepTargets,
} from '@tranche/db';
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
