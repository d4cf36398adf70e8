import { getJob, isTerminal, type JobRow } from '@tranche/db';
import type { WorkerContext } from '../context';
import { jobWebhookUrl } from '../webhooks/bodies';
import { enqueueDelivery } from '../webhooks/enqueue';
import { quietly, raiseAlert } from './raise';

/** `job_timed_out`, once per job: raised when the timeout is decided, or when the job ends timed out. */
export async function raiseJobTimedOut(
  ctx: WorkerContext,
  job: Pick<JobRow, 'id' | 'project' | 'owner' | 'run_id' | 'provider' | 'model' | 'timeout_at'>,
): Promise<void> {
  await raiseAlert(ctx, {
    kind: 'job_timed_out',
    dedupeKey: `job_timed_out:${job.id}`,
    project: job.project,
    jobId: job.id,
    message:
      `job ${job.id} (project ${job.project}, owner ${job.owner}) passed its timeout at ` +
      `${job.timeout_at.toISOString()}: its batches are cancelled and requests not yet finished fail as cancelled`,
    details: {
      owner: job.owner,
      run_id: job.run_id,
      provider: job.provider,
      model: job.model,
      timeout_at: job.timeout_at.toISOString(),
    },
  });
}

/**
 * What happens when a job has ended, whichever process ended it: a timeout is alerted, and the job's
 * `options.webhook_url` is told. Safe to call more than once: both happen once per job.
 */
export async function onJobFinished(ctx: WorkerContext, jobId: string): Promise<void> {
  await quietly(ctx, 'job end notification', async () => {
    const job = await getJob(ctx.sql, jobId);
    if (!job || !isTerminal(job.status)) return;
    if (job.status === 'timed_out') await raiseJobTimedOut(ctx, job);
    if (jobWebhookUrl(job)) await enqueueDelivery(ctx, { kind: 'job', jobId });
  });
}
