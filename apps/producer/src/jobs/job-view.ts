import type { BatchView, ChatApi, JobView } from '@tranche/contracts';
import {
  type BatchRow,
  getJob,
  getJobBatches,
  isTerminal,
  type JobCost,
  type JobRow,
  type JobUsage,
  type ProjectScope,
  type Sql,
  scopeHas,
} from '@tranche/db';
import type { JobAggregatesCache } from './job-aggregates';

export type { BatchView, JobCost, JobUsage, JobView };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function blockedView(job: JobRow): JobView['blocked'] {
  // A finished job may keep the last blocker it had: it no longer blocks anything.
  if (!job.blocked_reason || isTerminal(job.status)) return null;
  return { reason: job.blocked_reason, since: (job.blocked_since ?? job.updated_at).toISOString() };
}

function batchView(b: BatchRow): BatchView {
  return {
    id: b.id,
    provider: b.provider,
    provider_batch_id: b.provider_batch_id,
    chunk_key: b.chunk_key,
    round: b.round,
    state: b.state,
    waiting_for_quota_since: b.state === 'planned' ? iso(b.waiting_for_quota_since) : null,
    estimated_input_tokens: Number(b.estimated_tokens),
    provider_status: b.provider_status,
    outcome: b.outcome,
    requests: b.request_count,
    bytes: Number(b.bytes),
    counts: b.counts,
    created_at: b.created_at.toISOString(),
    submitted_at: iso(b.submitted_at),
    ended_at: iso(b.ended_at),
    fetched_at: iso(b.fetched_at),
  };
}

/** The job, or null when there is none or it belongs to a project outside the scope (the two look the same). */
export async function loadJobView(
  sql: Sql,
  jobId: string,
  scope: ProjectScope,
  aggregates: JobAggregatesCache,
): Promise<JobView | null> {
  const job = await getJob(sql, jobId);
  if (!job || !scopeHas(scope, job.project)) return null;
  const [{ reconciliation, usage, cost }, batches] = await Promise.all([
    aggregates.get(sql, job),
    getJobBatches(sql, jobId),
  ]);
  return {
    job_id: job.id,
    status: job.status,
    error: job.error,
    blocked: blockedView(job),
    provider: job.provider,
    model: job.model,
    kind: job.kind,
    metadata: {
      project: job.project,
      owner: job.owner,
      environment: job.environment,
      run_id: job.run_id,
      tags: job.tags,
    },
    options: {
      max_attempts: job.max_attempts,
      poll_interval_s: job.poll_interval_s,
      timeout_at: job.timeout_at.toISOString(),
      chat_api: (job.spec as { options?: { chat_api?: ChatApi } }).options?.chat_api ?? null,
    },
    submitted_by:
      job.submitted_by_key_id === null
        ? null
        : { key_id: job.submitted_by_key_id, name: job.submitted_by_name ?? '' },
    created_at: job.created_at.toISOString(),
    finished_at: iso(job.finished_at),
    reconciliation,
    usage,
    cost,
    batches: batches.map(batchView),
    waiting_for_quota: batches.filter((b) => b.state === 'planned' && b.waiting_for_quota_since).length,
  };
}
