import type { Sql } from '../client';
import { type JobCost, jobTotals } from './job-totals';
import { type Reconciliation, reconcile } from './jobs';
import type { BatchState, JobRow, JobStatus } from './types';

export interface StuckBatch {
  id: string;
  job_id: string;
  project: string;
  provider: string;
  provider_batch_id: string | null;
  state: BatchState;
  provider_status: string | null;
  /** What the batch is stuck in: the provider's status while it is at the provider, else our own state. */
  stuck_in: string;
  since: Date;
  counts: { total: number; completed: number; failed: number } | null;
}

/**
 * Batches not yet fetched that have stayed in one state longer than `afterS` seconds (planned and never sent, one
 * provider status, or ended and never fetched), and have not yet been alerted about in that state. A batch polled
 * rarely only sees its status change when it is polled: it is given two poll intervals more than `afterS`.
 */
export async function stuckBatches(sql: Sql, afterS: number): Promise<StuckBatch[]> {
  return sql<StuckBatch[]>`
    select * from (
      select b.id, b.job_id, j.project, b.provider, b.provider_batch_id, b.state, b.provider_status, b.counts,
             case when b.state = 'submitted' then coalesce(b.provider_status, 'submitted') else b.state end
               as stuck_in,
             case b.state when 'planned' then coalesce(b.status_changed_at, b.created_at)
               when 'ended' then coalesce(b.ended_at, b.created_at)
               else coalesce(b.status_changed_at, b.submitted_at, b.created_at) end as since,
             case when b.state = 'submitted' then 2 * j.poll_interval_s else 0 end as poll_slack_s
      from provider_batches b join jobs j on j.id = b.job_id
      -- A chunk waiting for room in its provider's quota is held back on purpose, not stuck; its time as planned
      -- counts from when it stopped waiting (status_changed_at).
      where b.state in ('planned', 'submitted', 'ended')
        and not (b.state = 'planned' and b.waiting_for_quota_since is not null)
    ) s
    where s.since < now() - make_interval(secs => ${afterS} + s.poll_slack_s)
      and not exists (select 1 from alerts a where a.dedupe_key = 'batch_stuck:' || s.id || ':' || s.stuck_in)
    order by s.since`;
}

export interface FinishedJobRef {
  id: string;
  status: JobStatus;
}

/**
 * Jobs that ended in the last `withinS` seconds and have something to say when they end: an `options.webhook_url`,
 * or a timeout not yet alerted. The sweeper catches up on them, whichever process finished the job.
 */
export async function recentlyFinishedJobs(sql: Sql, withinS: number): Promise<FinishedJobRef[]> {
  return sql<FinishedJobRef[]>`
    select id, status from jobs j
    where finished_at > now() - make_interval(secs => ${withinS})
      and (spec->'options'->>'webhook_url' is not null
           or (status = 'timed_out'
               and not exists (select 1 from alerts a where a.dedupe_key = 'job_timed_out:' || j.id)))
    order by finished_at`;
}

export interface FinishedJobSummary {
  job: JobRow;
  reconciliation: Reconciliation;
  cost: JobCost;
}

/** What a `job.finished` webhook says about a job: read once the job has ended, so it no longer changes. */
export async function finishedJobSummary(sql: Sql, jobId: string): Promise<FinishedJobSummary | null> {
  const [job] = await sql<JobRow[]>`select * from jobs where id = ${jobId}`;
  if (!job) return null;
  const [reconciliation, { cost }] = await Promise.all([reconcile(sql, job), jobTotals(sql, jobId)]);
  return { job, reconciliation, cost };
}
