import type { Sql } from '../client';
import { dataExceptionCode } from '../data-exception';
import { isTerminal } from './jobs';
import { inScope, type ProjectScope } from './scope';
import type { JobStatus } from './types';

export const JOB_LIST_MAX_LIMIT = 200;
export const JOB_LIST_DEFAULT_LIMIT = 50;

/** One job in a list, with its progress and cost so far counted as the job view counts them. */
export interface JobSummary {
  job_id: string;
  status: JobStatus;
  provider: string;
  model: string;
  kind: string;
  metadata: { project: string; owner: string; run_id: string };
  /** Inputs the caller sent, duplicates included: the reconciliation's `inputs`. */
  inputs: number;
  /** The reconciliation's counts over the distinct requests: succeeded (skipped ones included), failed, the rest. */
  succeeded: number;
  failed: number;
  pending: number;
  /** At batch rates, summed over the job's results as in the job view's `cost.cost_usd` (12 places). */
  cost_usd: string;
  created_at: string;
  finished_at: string | null;
  /** What keeps the job from moving now; null once it finished, as in the job view. */
  blocked: { reason: string; since: string } | null;
}

export interface JobListFilter {
  scope: ProjectScope;
  project?: string | undefined;
  /** Any of these statuses; all when absent or empty. */
  statuses?: readonly JobStatus[] | undefined;
  provider?: string | undefined;
  runId?: string | undefined;
  /** 1..200; 50 when absent. */
  limit?: number | undefined;
  /** From the `next_cursor` of the page before. */
  cursor?: string | undefined;
}

export interface JobListPage {
  jobs: JobSummary[];
  next_cursor: string | null;
}

/** A cursor that was not made by `listJobs`. */
export class InvalidJobCursorError extends Error {
  constructor() {
    super('not a cursor of this list: pass next_cursor as it was given');
    this.name = 'InvalidJobCursorError';
  }
}

interface Position {
  /** `created_at` as Postgres prints it: microseconds and zone kept, which a JavaScript Date would round. */
  createdAt: string;
  id: string;
}

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      TIMESTAMP.test(value[0])
    )
      return { createdAt: value[0], id: value[1] };
  } catch {
    // Reported below, as every other malformed cursor.
  }
  throw new InvalidJobCursorError();
}

interface SummaryRow {
  id: string;
  status: JobStatus;
  provider: string;
  model: string;
  kind: string;
  project: string;
  owner: string;
  run_id: string;
  input_count: number;
  succeeded: number;
  failed: number;
  pending: number;
  cost_usd: string;
  created_at: Date;
  created_key: string;
  finished_at: Date | null;
  blocked_reason: string | null;
  blocked_since: Date | null;
  updated_at: Date;
}

function summary(row: SummaryRow): JobSummary {
  return {
    job_id: row.id,
    status: row.status,
    provider: row.provider,
    model: row.model,
    kind: row.kind,
    metadata: { project: row.project, owner: row.owner, run_id: row.run_id },
    inputs: row.input_count,
    succeeded: row.succeeded,
    failed: row.failed,
    pending: row.pending,
    cost_usd: row.cost_usd,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at ? row.finished_at.toISOString() : null,
    // As the job view's blocked: a finished job may keep the last blocker it had, which blocks nothing.
    blocked:
      row.blocked_reason && !isTerminal(row.status)
        ? { reason: row.blocked_reason, since: (row.blocked_since ?? row.updated_at).toISOString() }
        : null,
  };
}

/**
 * The scope's jobs matching the filter, newest first, a page at a time (keyset on created_at and id, so a page
 * never repeats or skips a job when new ones arrive). The page is chosen first; its counts and costs are then
 * summed for those jobs only, in the same statement.
 */
export async function listJobs(sql: Sql, filter: JobListFilter): Promise<JobListPage> {
  const limit = Math.min(JOB_LIST_MAX_LIMIT, Math.max(1, filter.limit ?? JOB_LIST_DEFAULT_LIMIT));
  const after = filter.cursor === undefined ? null : decodeCursor(filter.cursor);
  const rows = await pageRows(sql, filter, limit, after).catch((error: unknown) => {
    // A cursor shaped like one but holding no real time (February 31st): Postgres refuses to read it.
    if (after && dataExceptionCode(error)) throw new InvalidJobCursorError();
    throw error;
  });
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    jobs: shown.map(summary),
    next_cursor:
      rows.length > limit && last ? encodeCursor({ createdAt: last.created_key, id: last.id }) : null,
  };
}

function pageRows(sql: Sql, filter: JobListFilter, limit: number, after: Position | null) {
  const statuses = filter.statuses && filter.statuses.length > 0 ? [...filter.statuses] : null;
  // Only the conditions asked for: a plan that also serves "no filter" could not use the project index.
  // The cursor's time goes in as text: a timestamptz parameter would pass through a JavaScript Date and lose its
  // microseconds.
  const where = [
    inScope(sql, filter.scope),
    filter.project === undefined ? null : sql`j.project = ${filter.project}`,
    statuses === null ? null : sql`j.status = any(${statuses}::text[])`,
    filter.provider === undefined ? null : sql`j.provider = ${filter.provider}`,
    filter.runId === undefined ? null : sql`j.run_id = ${filter.runId}`,
    after === null
      ? null
      : sql`(j.created_at, j.id) < (${after.createdAt}::text::timestamptz, ${after.id}::text)`,
  ].filter((condition) => condition !== null);
  return sql<SummaryRow[]>`
    with page as (
      select j.id, j.status, j.provider, j.model, j.kind, j.project, j.owner, j.run_id, j.input_count,
             j.created_at, j.finished_at, j.blocked_reason, j.blocked_since, j.updated_at
      from jobs j
      where ${where.reduce((all, condition) => sql`${all} and ${condition}`)}
      order by j.created_at desc, j.id desc
      limit ${limit + 1})
    select p.id, p.status, p.provider, p.model, p.kind, p.project, p.owner, p.run_id, p.input_count, p.created_at,
           p.created_at::text as created_key, p.finished_at, p.blocked_reason, p.blocked_since, p.updated_at,
           -- The reconciliation's classes (queries/jobs.ts reconcile): skipped counts as succeeded, and every
           -- state without a final outcome (pending, submitted, awaiting) as pending.
           n.succeeded, n.failed, n.pending,
           -- The job view's cost (queries/job-totals.ts jobTotals).
           c.cost_usd
    from page p
    cross join lateral (
      select count(*) filter (where i.state in ('succeeded', 'skipped'))::int as succeeded,
             count(*) filter (where i.state = 'failed')::int as failed,
             count(*) filter (where i.state not in ('succeeded', 'skipped', 'failed'))::int as pending
      from inputs i where i.job_id = p.id) n
    cross join lateral (
      select coalesce(sum(r.cost_usd), 0)::numeric(30, 12)::text as cost_usd
      from results r where r.job_id = p.id) c
    order by p.created_at desc, p.id desc`;
}
