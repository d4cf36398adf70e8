import {
  type BatchRow,
  getJob,
  getJobBatches,
  isTerminal,
  type JobCost,
  type JobRow,
  type JobUsage,
  jobTotals,
  type ProjectScope,
  type Reconciliation,
  reconcile,
  type Sql,
  scopeHas,
} from '@tranche/db';

export type { JobCost, JobUsage };

export interface BatchView {
  id: string;
  provider: string;
  provider_batch_id: string | null;
  chunk_key: string;
  round: number;
  state: string;
  provider_status: string | null;
  outcome: string | null;
  requests: number;
  bytes: number;
  counts: BatchRow['counts'];
  created_at: string;
  submitted_at: string | null;
  ended_at: string | null;
  fetched_at: string | null;
}

export interface JobView {
  job_id: string;
  status: JobRow['status'];
  /** Why a provider refused the job's requests for good (the first such reason), when one did. */
  error: string | null;
  /**
   * What keeps the job from moving now, as the last worker that tried saw it (a provider answering 503, a refused
   * key, no worker with the provider's key, Postgres away), and since when; null when nothing does, and always
   * once the job finished. The job goes on by itself when the cause goes away.
   */
  blocked: { reason: string; since: string } | null;
  provider: string;
  model: string;
  kind: string;
  metadata: {
    project: string;
    owner: string;
    environment: string | null;
    run_id: string;
    tags: Record<string, string>;
  };
  options: { max_attempts: number; poll_interval_s: number; timeout_at: string };
  /**
   * The key that submitted the job, as it was named then (`sdk` for the SDK's own connection, `local` in open mode);
   * null for jobs submitted before keys were recorded.
   */
  submitted_by: { key_id: string; name: string } | null;
  created_at: string;
  finished_at: string | null;
  reconciliation: Reconciliation;
  usage: JobUsage;
  cost: JobCost;
  batches: BatchView[];
}

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
export async function loadJobView(sql: Sql, jobId: string, scope: ProjectScope): Promise<JobView | null> {
  const job = await getJob(sql, jobId);
  if (!job || !scopeHas(scope, job.project)) return null;
  const [reconciliation, batches, { usage, cost }] = await Promise.all([
    reconcile(sql, job),
    getJobBatches(sql, jobId),
    jobTotals(sql, jobId),
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
  };
}
