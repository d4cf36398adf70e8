import type { Sql } from '../client';
import { inScope, type ProjectScope } from './scope';
import { TERMINAL_JOB_STATUSES } from './types';

/** A project's monthly spending limit, in USD (a decimal string, as Postgres returns numerics). */
export interface Budget {
  project: string;
  monthly_usd: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * Where a project stands against its budget in one calendar month (UTC). Money is decimal strings with 12 places.
 * `spent_usd`: what results created this month cost; `reserved_usd`: what jobs still running may cost on top of
 * what their results already cost (their worst case, never below 0); `committed_usd` = spent + reserved;
 * `remaining_usd` = budget - committed, never below 0.
 */
export interface BudgetStatus {
  project: string;
  monthly_usd: string;
  month: string;
  spent_usd: string;
  reserved_usd: string;
  committed_usd: string;
  remaining_usd: string;
}

/** Creates or replaces the project's monthly budget; `monthlyUsd` is a positive decimal (checked by the caller). */
export async function setBudget(sql: Sql, project: string, monthlyUsd: string): Promise<Budget> {
  const [row] = await sql<Budget[]>`
    insert into budgets (project, monthly_usd) values (${project}, ${monthlyUsd})
    on conflict (project) do update set monthly_usd = excluded.monthly_usd, updated_at = now()
    returning project, monthly_usd::text as monthly_usd, created_at, updated_at`;
  return row!;
}

export async function getBudget(sql: Sql, project: string): Promise<Budget | null> {
  const [row] = await sql<Budget[]>`
    select project, monthly_usd::text as monthly_usd, created_at, updated_at from budgets
    where project = ${project}`;
  return row ?? null;
}

export async function listBudgets(sql: Sql): Promise<Budget[]> {
  return sql<Budget[]>`
    select project, monthly_usd::text as monthly_usd, created_at, updated_at from budgets order by project`;
}

/** True when there was a budget to delete. */
export async function deleteBudget(sql: Sql, project: string): Promise<boolean> {
  const deleted = await sql`delete from budgets where project = ${project}`;
  return deleted.count > 0;
}

/** The calendar month (UTC) `now` falls in: its first instant, the next month's, and its `YYYY-MM` name. */
export function utcMonth(now: Date): { start: Date; end: Date; name: string } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    start: new Date(Date.UTC(year, month, 1)),
    end: new Date(Date.UTC(year, month + 1, 1)),
    name: `${year}-${String(month + 1).padStart(2, '0')}`,
  };
}

/** The status of every budget of the scope, or only of the given project's. */
async function statuses(
  sql: Sql,
  now: Date,
  project: string | null,
  scope: ProjectScope,
): Promise<BudgetStatus[]> {
  const month = utcMonth(now);
  const terminal = TERMINAL_JOB_STATUSES as string[];
  return sql<BudgetStatus[]>`
    with spent as (
      -- A month is whole UTC hours: its results are summed hour by hour already (result_hours).
      select j.project, sum(h.cost_usd) as usd
      from result_hours h join jobs j on j.id = h.job_id
      where h.hour >= ${month.start} and h.hour < ${month.end}
        and (${project}::text is null or j.project = ${project}::text) and ${inScope(sql, scope)}
        and j.project in (select project from budgets)
      group by j.project
    ),
    reserved as (
      select j.project,
             sum(greatest(j.worst_case_usd - coalesce(
               (select sum(r.cost_usd) from results r where r.job_id = j.id), 0), 0)) as usd
      from jobs j
      where j.worst_case_usd is not null and j.status <> all(${terminal}::text[])
        and (${project}::text is null or j.project = ${project}::text) and ${inScope(sql, scope)}
        and j.project in (select project from budgets)
      group by j.project
    ),
    totals as (
      select b.project, b.monthly_usd,
             coalesce(s.usd, 0) as spent, coalesce(r.usd, 0) as reserved
      from budgets b
      left join spent s on s.project = b.project
      left join reserved r on r.project = b.project
      where (${project}::text is null or b.project = ${project}::text) and ${inScope(sql, scope, 'b.project')}
    )
    select project,
           monthly_usd::numeric(24, 12)::text as monthly_usd,
           ${month.name}::text as month,
           spent::numeric(24, 12)::text as spent_usd,
           reserved::numeric(24, 12)::text as reserved_usd,
           (spent + reserved)::numeric(24, 12)::text as committed_usd,
           greatest(monthly_usd - spent - reserved, 0)::numeric(24, 12)::text as remaining_usd
    from totals order by project`;
}

/** The project's status against its budget this month (UTC); null when it has no budget. */
export async function budgetStatus(
  sql: Sql,
  project: string,
  now = new Date(),
): Promise<BudgetStatus | null> {
  const [row] = await statuses(sql, now, project, 'all');
  return row ?? null;
}

/** Every project of the scope with a budget, with its status in the month (UTC) of `now`. */
export async function budgetStatuses(sql: Sql, now: Date, scope: ProjectScope): Promise<BudgetStatus[]> {
  return statuses(sql, now, null, scope);
}

/**
 * Serialises budget checks of one project until the caller's transaction ends, so two submits cannot both fit
 * under the same remaining amount.
 */
export async function lockProjectBudget(tx: Sql, project: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`tranche.budget:${project}`}, 0))`;
}
