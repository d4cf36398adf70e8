import { stuckBatches } from '@tranche/db';
import type { WorkerContext } from '../context';
import { humanDuration } from './durations';
import { raiseAlert } from './raise';

/**
 * `batch_stuck`: a provider batch has stayed in one state longer than BATCH_STUCK_AFTER_S. Once per batch and
 * state, so a batch that moves on and sticks again alerts again.
 */
export async function raiseStuckBatchAlerts(ctx: WorkerContext): Promise<void> {
  const afterS = ctx.env.BATCH_STUCK_AFTER_S;
  for (const batch of await stuckBatches(ctx.sql, afterS)) {
    const at = batch.provider_batch_id ? `${batch.provider} ${batch.provider_batch_id}` : batch.provider;
    await raiseAlert(ctx, {
      kind: 'batch_stuck',
      dedupeKey: `batch_stuck:${batch.id}:${batch.stuck_in}`,
      project: batch.project,
      jobId: batch.job_id,
      batchId: batch.id,
      message:
        `provider batch ${batch.id} of job ${batch.job_id} (${at}) has been ${batch.stuck_in} since ` +
        `${batch.since.toISOString()}, longer than ${humanDuration(afterS)}`,
      details: {
        provider: batch.provider,
        provider_batch_id: batch.provider_batch_id,
        state: batch.state,
        provider_status: batch.provider_status,
        stuck_in: batch.stuck_in,
        since: batch.since.toISOString(),
        stuck_after_s: afterS,
        counts: batch.counts,
      },
    });
  }
}
