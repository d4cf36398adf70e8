import { finishedJobSummary, getAlert, isTerminal, type JobRow } from '@tranche/db';
import type { NotifyEvent } from '@tranche/queues';
import type { WorkerContext } from '../context';

/** Where a job asked to be told it ended (`options.webhook_url`), if anywhere. */
export function jobWebhookUrl(job: Pick<JobRow, 'spec'>): string | undefined {
  return (job.spec as { options?: { webhook_url?: string } }).options?.webhook_url;
}

export interface RenderedWebhook {
  url: string;
  event: 'alert' | 'job.finished';
  /** Whose secret signs it: the job's project; null for alerts (ALERT_WEBHOOK_SECRET). */
  project: string | null;
  body: string;
}

/** A delivery as read from Postgres on its first attempt (the notify processor stores it for the next ones). */
export async function renderWebhook(ctx: WorkerContext, event: NotifyEvent): Promise<RenderedWebhook | null> {
  if (event.kind === 'alert') {
    const url = ctx.env.ALERT_WEBHOOK_URL;
    const alert = url ? await getAlert(ctx.sql, event.alertId) : null;
    if (!url || !alert) return null;
    const body = {
      type: 'alert',
      alert: {
        id: alert.id,
        kind: alert.kind,
        dedupe_key: alert.dedupe_key,
        message: alert.message,
        project: alert.project,
        job_id: alert.job_id,
        batch_id: alert.batch_id,
        details: alert.details,
        created_at: alert.created_at.toISOString(),
      },
    };
    return { url, event: 'alert', project: null, body: JSON.stringify(body) };
  }
  const summary = await finishedJobSummary(ctx.sql, event.jobId);
  if (!summary || !isTerminal(summary.job.status)) return null;
  const { job, reconciliation, cost } = summary;
  const url = jobWebhookUrl(job);
  if (!url) return null;
  const body = {
    type: 'job.finished',
    job: {
      id: job.id,
      status: job.status,
      provider: job.provider,
      model: job.model,
      project: job.project,
      owner: job.owner,
      environment: job.environment,
      run_id: job.run_id,
      tags: job.tags,
      error: job.error,
      created_at: job.created_at.toISOString(),
      finished_at: job.finished_at?.toISOString() ?? null,
      // Sorted: the same job must give the same bytes on every attempt, whatever order Postgres grouped in.
      reconciliation: {
        ...reconciliation,
        failed_by_reason: Object.fromEntries(Object.entries(reconciliation.failed_by_reason).sort()),
      },
      cost,
    },
  };
  return { url, event: 'job.finished', project: job.project, body: JSON.stringify(body) };
}
