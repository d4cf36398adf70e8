import type { Sql } from '../client';
import { type BatchRow, type JobRow, type JobStatus, TERMINAL_JOB_STATUSES } from './types';

export async function getJob(sql: Sql, jobId: string): Promise<JobRow | null> {
  const [row] = await sql<JobRow[]>`select * from jobs where id = ${jobId}`;
  return row ?? null;
}

export async function getJobBatches(sql: Sql, jobId: string): Promise<BatchRow[]> {
  return sql<BatchRow[]>`select * from provider_batches where job_id = ${jobId} order by round, chunk_key`;
}

export async function setJobStatus(sql: Sql, jobId: string, status: JobStatus, from: readonly JobStatus[]) {
  await sql`
    update jobs set status = ${status}, updated_at = now()
    where id = ${jobId} and status = any(${from as JobStatus[]}::text[])`;
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

export interface Reconciliation {
  /** Distinct requests after duplicates collapsed: submitted = succeeded + failed + pending, always. */
  submitted: number;
  succeeded: number;
  failed: number;
  pending: number;
  failed_by_reason: Record<string, number>;
  skipped_done: number;
  duplicates: number;
  inputs: number;
  retried: number;
}

export async function reconcile(
  sql: Sql,
  job: Pick<JobRow, 'id' | 'duplicates' | 'input_count'>,
): Promise<Reconciliation> {
  const rows = await sql<{ state: string; reason: string | null; n: number; retried: number }[]>`
    select state, case when state = 'failed' then coalesce(last_error->>'type', 'unknown') end as reason,
           count(*)::int as n, count(*) filter (where attempts > 1)::int as retried
    from inputs where job_id = ${job.id} group by 1, 2`;
  const report: Reconciliation = {
    submitted: 0,
    succeeded: 0,
    failed: 0,
    pending: 0,
    failed_by_reason: {},
    skipped_done: 0,
    duplicates: job.duplicates,
    inputs: job.input_count,
    retried: 0,
  };
  for (const row of rows) {
    report.submitted += row.n;
    report.retried += row.retried;
    if (row.state === 'succeeded' || row.state === 'skipped') report.succeeded += row.n;
    else if (row.state === 'failed') {
      report.failed += row.n;
      const reason = row.reason ?? 'unknown';
      report.failed_by_reason[reason] = (report.failed_by_reason[reason] ?? 0) + row.n;
    } else report.pending += row.n;
    if (row.state === 'skipped') report.skipped_done += row.n;
  }
  return report;
}

/**
 * Ends the job when nothing is left in flight: no input pending, submitted or awaiting an earlier job's result, no
 * batch still to fetch. Runs in the caller's transaction, which holds the job's row lock.
 */
export async function finishJobIfDone(tx: Sql, jobId: string): Promise<JobStatus | null> {
  const [job] = await tx<JobRow[]>`select * from jobs where id = ${jobId} for update`;
  if (!job || isTerminal(job.status)) return null;
  // Each fetched batch asks: while another batch is still out (a few rows to look at), the job's inputs are not
  // counted at all. Counting them each time read a 100,000-input job three times per batch, under its row lock.
  const [batches] = await tx<{ open: number }[]>`
    select count(*)::int as open from provider_batches where job_id = ${jobId} and state <> 'fetched'`;
  if (!batches || batches.open > 0) return null;
  const [open] = await tx<{ inputs: number; succeeded: number; failed: number }[]>`
    select count(*) filter (where state in ('pending', 'submitted', 'awaiting'))::int as inputs,
           count(*) filter (where state in ('succeeded', 'skipped'))::int as succeeded,
           count(*) filter (where state = 'failed')::int as failed
    from inputs where job_id = ${jobId}`;
  if (!open || open.inputs > 0) return null;
  let status: JobStatus;
  if (job.cancel_reason === 'timeout') status = 'timed_out';
  else if (job.cancel_reason === 'user') status = 'cancelled';
  else if (open.failed === 0) status = 'completed';
  else if (open.succeeded === 0) status = 'failed';
  else status = 'completed_with_failures';
  await tx`update jobs set status = ${status}, finished_at = now(), updated_at = now() where id = ${jobId}`;
  return status;
}

export interface SweepTargets {
  /** Jobs with inputs to plan into batches. */
  jobsToSubmit: Array<{ id: string; round: number }>;
  /** Planned batches, each sent by a queue job of its own (a cancelling job's too: it drops them). */
  batchesToSubmit: string[];
  batchesToPoll: string[];
  batchesToFetch: string[];
  jobsTimedOut: string[];
  jobsToFinish: string[];
}

/** Everything Postgres says is in flight, so a sweeper can re-create queue work that Redis lost. */
export async function sweepTargets(sql: Sql): Promise<SweepTargets> {
  const jobsToSubmit = await sql<{ id: string; round: number }[]>`
    select j.id, coalesce((select max(round) from provider_batches b where b.job_id = j.id), 0)::int as round
    from jobs j
    where j.status in ('queued', 'submitting', 'running')
      and exists (select 1 from inputs i where i.job_id = j.id and i.state = 'pending')`;
  const toSubmit = await sql<{ id: string }[]>`
    select b.id from provider_batches b join jobs j on j.id = b.job_id
    where b.state = 'planned' and j.status in ('queued', 'submitting', 'running', 'cancelling')
    order by b.created_at`;
  const toPoll = await sql<{ id: string }[]>`select id from provider_batches where state = 'submitted'`;
  const toFetch = await sql<{ id: string }[]>`select id from provider_batches where state = 'ended'`;
  const timedOut = await sql<{ id: string }[]>`
    select id from jobs where status in ('queued', 'submitting', 'running') and timeout_at < now()`;
  const toFinish = await sql<{ id: string }[]>`
    select id from jobs j where status in ('queued', 'submitting', 'running', 'cancelling')
      and not exists (select 1 from inputs i where i.job_id = j.id and i.state in ('pending', 'submitted', 'awaiting'))
      and not exists (select 1 from provider_batches b where b.job_id = j.id and b.state <> 'fetched')`;
  return {
    jobsToSubmit,
    batchesToSubmit: toSubmit.map((r) => r.id),
    batchesToPoll: toPoll.map((r) => r.id),
    batchesToFetch: toFetch.map((r) => r.id),
    jobsTimedOut: timedOut.map((r) => r.id),
    jobsToFinish: toFinish.map((r) => r.id),
  };
}
