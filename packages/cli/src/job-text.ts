import type { JobView } from '@tranche/client';
import { count, usd } from './output.js';

/** Done and total requests of a job, for a progress bar: `succeeded + failed` out of `submitted`. */
export function jobProgress(job: JobView): { value: number; total: number | null; detail: string } {
  const { submitted, succeeded, failed, pending } = job.reconciliation;
  return {
    value: succeeded + failed,
    total: submitted > 0 ? submitted : null,
    detail: `${job.status}  succeeded ${count(succeeded)}  failed ${count(failed)}  pending ${count(pending)}`,
  };
}

/** A job in a few lines: what `status`, `watch` and `submit --wait` print. */
export function jobSummary(job: JobView): string {
  const r = job.reconciliation;
  const reasons = Object.entries(r.failed_by_reason)
    .map(([reason, n]) => `${reason} ${count(n)}`)
    .join(', ');
  const lines = [
    `job ${job.job_id}  ${job.status}`,
    `  ${job.provider} ${job.model} (${job.kind})  project ${job.metadata.project}  owner ${job.metadata.owner}  run ${job.metadata.run_id}`,
    `  inputs ${count(r.inputs)}  duplicates ${count(r.duplicates)}  submitted ${count(r.submitted)}  skipped_done ${count(r.skipped_done)}`,
    `  succeeded ${count(r.succeeded)}  failed ${count(r.failed)}${reasons ? ` (${reasons})` : ''}  pending ${count(r.pending)}  retried ${count(r.retried)}`,
    `  cost ${usd(job.cost.cost_usd)}  sync-equivalent ${usd(job.cost.sync_cost_usd)}  saved ${usd(job.cost.savings_usd)}${job.cost.unpriced_results > 0 ? `  unpriced results ${count(job.cost.unpriced_results)}` : ''}`,
    `  batches ${job.batches.length}${job.waiting_for_quota > 0 ? ` (${count(job.waiting_for_quota)} waiting for quota)` : ''}  created ${job.created_at}${job.finished_at ? `  finished ${job.finished_at}` : ''}`,
  ];
  if (job.error) lines.push(`  error: ${job.error}`);
  if (job.blocked) lines.push(`  blocked since ${job.blocked.since}: ${job.blocked.reason}`);
  return lines.join('\n');
}
