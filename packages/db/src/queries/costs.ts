import type { Sql } from '../client';
import { inScope, type ProjectScope } from './scope';
import type { JobStatus } from './types';

/** The job tags a cost can be grouped by. */
export const COST_GROUP_KEYS = ['project', 'owner', 'environment', 'provider', 'model'] as const;
export type CostGroupKey = (typeof COST_GROUP_KEYS)[number];

/** What a set of results cost. Money is an exact decimal string (12 places), counts are numbers. */
export interface CostFigures {
  cost_usd: string;
  sync_cost_usd: string;
  savings_usd: string;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  results: number;
  succeeded: number;
  failed: number;
  /** Results of a model with no price (`price_version` null): their cost is unknown, not zero. */
  unpriced_results: number;
}

/** One group: its value of each `group_by` key (null when the job has none, e.g. no environment) and its figures. */
export type CostGroup = Partial<Record<CostGroupKey, string | null>> & CostFigures;

export interface CostSummary {
  window: { from: string; to: string };
  group_by: CostGroupKey[];
  /** Every result of the window: the figures only, no group keys. */
  totals: CostFigures;
  /** One per distinct combination of the keys, most expensive first; a single group (the totals) without keys. */
  groups: CostGroup[];
}

export interface CostWindow {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

const ZERO_USD = '0.000000000000';

interface FigureRow extends CostFigures {
  is_total: boolean;
}

const HOUR_MS = 3_600_000;

/**
 * The results of [from, to) of the scope's projects with their job's tags, one row per result or per job-hour: the
 * whole UTC hours inside the window come pre-summed from `result_hours`, only the partial hours at its ends from
 * `results` itself. Columns: the tags, `status`, `at` (the hour, or the result's time), the counts and sums of
 * `results`.
 */
function resultsWithin(sql: Sql, from: Date, to: Date, scope: ProjectScope) {
  const firstHour = new Date(Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS);
  const lastHour = new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS);
  // No whole hour inside: everything from `results`.
  const [hoursFrom, hoursTo] = firstHour < lastHour ? [firstHour, lastHour] : [to, to];
  return sql`
    select j.project, j.owner, j.environment, j.provider, j.model, h.status, h.hour as at, h.results,
           h.unpriced_results, h.input_tokens, h.output_tokens, h.cached_tokens, h.cost_usd, h.sync_cost_usd
    from result_hours h join jobs j on j.id = h.job_id
    where h.hour >= ${hoursFrom} and h.hour < ${hoursTo} and ${inScope(sql, scope)}
    union all
    select j.project, j.owner, j.environment, j.provider, j.model, r.status, r.created_at, 1,
           (r.price_version is null)::int, coalesce(r.input_tokens, 0), coalesce(r.output_tokens, 0),
           coalesce(r.cached_tokens, 0), r.cost_usd, r.sync_cost_usd
    from results r join jobs j on j.id = r.job_id
    where ((r.created_at >= ${from} and r.created_at < ${hoursFrom})
       or (r.created_at >= ${hoursTo} and r.created_at < ${to}))
      and ${inScope(sql, scope)}`;
}

/**
 * The cost of the results created in [from, to) in the scope's projects, by the job tags in `groupBy`: summed in
 * SQL, exact. Results are placed in time by `results.created_at` (indexed), and take their tags from their job.
 */
export async function costSummary(
  sql: Sql,
  { from, to, groupBy = [], scope }: CostWindow & { groupBy?: readonly CostGroupKey[]; scope: ProjectScope },
): Promise<CostSummary> {
  for (const key of groupBy)
    if (!COST_GROUP_KEYS.includes(key)) throw new RangeError(`not a cost group key: ${String(key)}`);
  const keys = [...groupBy];
  // The keys are checked against COST_GROUP_KEYS above, and passed as quoted identifiers.
  const grouping =
    keys.length === 0
      ? sql`, true as is_total from scoped`
      : sql`, ${sql(keys)}, grouping(${sql(keys)}) <> 0 as is_total
            from scoped group by grouping sets ((${sql(keys)}), ())
            order by is_total, sum(cost_usd) desc nulls last, ${sql(keys)}`;
  const rows = await sql<(FigureRow & Record<string, unknown>)[]>`
    with scoped as (${resultsWithin(sql, from, to, scope)})
    select
      coalesce(sum(cost_usd), 0)::numeric(30, 12)::text as cost_usd,
      coalesce(sum(sync_cost_usd), 0)::numeric(30, 12)::text as sync_cost_usd,
      coalesce(sum(sync_cost_usd - cost_usd), 0)::numeric(30, 12)::text as savings_usd,
      coalesce(sum(input_tokens), 0)::float8 as input_tokens,
      coalesce(sum(output_tokens), 0)::float8 as output_tokens,
      coalesce(sum(cached_tokens), 0)::float8 as cached_tokens,
      coalesce(sum(results), 0)::int as results,
      coalesce(sum(results) filter (where status = 'succeeded'), 0)::int as succeeded,
      coalesce(sum(results) filter (where status = 'failed'), 0)::int as failed,
      coalesce(sum(unpriced_results), 0)::int as unpriced_results
    ${grouping}`;
  const figures = (row: FigureRow): CostFigures => ({
    cost_usd: row.cost_usd,
    sync_cost_usd: row.sync_cost_usd,
    savings_usd: row.savings_usd,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cached_tokens: row.cached_tokens,
    results: row.results,
    succeeded: row.succeeded,
    failed: row.failed,
    unpriced_results: row.unpriced_results,
  });
  const totalRow = rows.find((row) => row.is_total);
  if (!totalRow) throw new Error('cost summary: the totals row is missing');
  const totals = figures(totalRow);
  const groups: CostGroup[] =
    keys.length === 0
      ? [totals]
      : rows
          .filter((row) => !row.is_total)
          .map((row) => ({
            ...Object.fromEntries(keys.map((key) => [key, (row[key] as string | null) ?? null])),
            ...figures(row),
          }));
  return { window: { from: from.toISOString(), to: to.toISOString() }, group_by: keys, totals, groups };
}

/** Midnight (UTC) of the day `daysBack` days before `now`'s. */
export function utcDayStart(now: Date, daysBack = 0): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysBack));
}

export interface DailyCosts {
  window: { from: string; to: string };
  /** The UTC days, oldest first, as YYYY-MM-DD. */
  days: string[];
  /** One per project with results in the window, most expensive first; one entry per day, zero-filled. */
  projects: Array<{ project: string; cost_usd: string[]; unpriced_results: number[] }>;
}

/** The cost of each of the last `days` UTC days (today included, up to `now`), per project of the scope. */
export async function dailyCostsByProject(
  sql: Sql,
  { days = 30, now = new Date(), scope }: { days?: number; now?: Date; scope: ProjectScope },
): Promise<DailyCosts> {
  const from = utcDayStart(now, days - 1);
  const dayLabels = Array.from({ length: days }, (_, i) =>
    new Date(from.getTime() + i * 86_400_000).toISOString().slice(0, 10),
  );
  const rows = await sql<{ project: string; day: string; cost_usd: string; unpriced_results: number }[]>`
    select project, to_char(at at time zone 'UTC', 'YYYY-MM-DD') as day,
           coalesce(sum(cost_usd), 0)::numeric(30, 12)::text as cost_usd,
           coalesce(sum(unpriced_results), 0)::int as unpriced_results,
           sum(sum(cost_usd)) over (partition by project) as project_total
    from (${resultsWithin(sql, from, now, scope)}) scoped
    group by 1, 2
    order by project_total desc nulls last, project, day`;
  const projects = new Map<string, DailyCosts['projects'][number]>();
  for (const row of rows) {
    let series = projects.get(row.project);
    if (!series) {
      series = {
        project: row.project,
        cost_usd: dayLabels.map(() => ZERO_USD),
        unpriced_results: dayLabels.map(() => 0),
      };
      projects.set(row.project, series);
    }
    const index = dayLabels.indexOf(row.day);
    if (index < 0) continue;
    series.cost_usd[index] = row.cost_usd;
    series.unpriced_results[index] = row.unpriced_results;
  }
  return {
    window: { from: from.toISOString(), to: now.toISOString() },
    days: dayLabels,
    projects: [...projects.values()],
  };
}

export interface JobCostLine {
  job_id: string;
  status: JobStatus;
  project: string;
  owner: string;
  environment: string | null;
  provider: string;
  model: string;
  created_at: string;
  finished_at: string | null;
  error: string | null;
  /** Distinct requests of the job (duplicates collapsed), as in the job's reconciliation. */
  total: number;
  /** Requests with a final outcome: succeeded (or skipped, done earlier in the run) plus failed. */
  done: number;
  succeeded: number;
  failed: number;
  /** What the job's results cost so far; `unpriced_results` of them have no price. */
  cost_usd: string;
  unpriced_results: number;
}

interface JobCostRow extends Omit<JobCostLine, 'created_at' | 'finished_at'> {
  created_at: Date;
  finished_at: Date | null;
}

function jobCostLine(row: JobCostRow): JobCostLine {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at ? row.finished_at.toISOString() : null,
  };
}

/** Jobs of the scope's projects with their progress and cost so far, for the statuses asked, newest first. */
async function jobCostLines(
  sql: Sql,
  statuses: JobStatus[],
  since: Date | null,
  limit: number,
  scope: ProjectScope,
) {
  const rows = await sql<JobCostRow[]>`
    select j.id as job_id, j.status, j.project, j.owner, j.environment, j.provider, j.model, j.created_at,
           j.finished_at, j.error, p.total, p.succeeded + p.failed as done, p.succeeded, p.failed,
           c.cost_usd, c.unpriced_results
    from jobs j
    cross join lateral (
      select count(*)::int as total,
             count(*) filter (where i.state in ('succeeded', 'skipped'))::int as succeeded,
             count(*) filter (where i.state = 'failed')::int as failed
      from inputs i where i.job_id = j.id) p
    cross join lateral (
      select coalesce(sum(r.cost_usd), 0)::numeric(30, 12)::text as cost_usd,
             count(*) filter (where r.price_version is null)::int as unpriced_results
      from results r where r.job_id = j.id) c
    where j.status = any(${statuses}::text[])
      and (${since}::timestamptz is null or coalesce(j.finished_at, j.updated_at) >= ${since})
      and ${inScope(sql, scope)}
    order by coalesce(j.finished_at, j.created_at) desc, j.id
    limit ${limit}`;
  return rows.map(jobCostLine);
}

/** Jobs of the scope still in flight, with how many of their requests are done. */
export function runningJobCosts(
  sql: Sql,
  { limit = 50, scope }: { limit?: number; scope: ProjectScope },
): Promise<JobCostLine[]> {
  return jobCostLines(sql, ['queued', 'submitting', 'running', 'cancelling'], null, limit, scope);
}

/** Jobs of the scope that ended failed, timed out or cancelled since `since`, most recent first. */
export function troubledJobCosts(
  sql: Sql,
  { since, limit = 20, scope }: { since: Date; limit?: number; scope: ProjectScope },
): Promise<JobCostLine[]> {
  return jobCostLines(sql, ['failed', 'timed_out', 'cancelled'], since, limit, scope);
}

/** Jobs of the scope that ended with some requests failed (completed_with_failures) since `since`, most recent first. */
export function partlyFailedJobCosts(
  sql: Sql,
  { since, limit = 20, scope }: { since: Date; limit?: number; scope: ProjectScope },
): Promise<JobCostLine[]> {
  return jobCostLines(sql, ['completed_with_failures'], since, limit, scope);
}

export interface UnpricedModel {
  provider: string;
  model: string;
  /** Results in the window with no price. */
  results: number;
  last_seen: string;
}

/**
 * Models whose results in [from, to), in the scope's projects, have no price: their cost is unknown and must never
 * read as zero.
 */
export async function unpricedModels(
  sql: Sql,
  { from, to, scope }: CostWindow & { scope: ProjectScope },
): Promise<UnpricedModel[]> {
  const rows = await sql<{ provider: string; model: string; results: number; last_seen: Date }[]>`
    select j.provider, j.model, count(*)::int as results, max(r.created_at) as last_seen
    from results r join jobs j on j.id = r.job_id
    where r.created_at >= ${from} and r.created_at < ${to} and r.price_version is null
      and ${inScope(sql, scope)}
    group by 1, 2
    order by results desc, 1, 2`;
  return rows.map((row) => ({ ...row, last_seen: row.last_seen.toISOString() }));
}
