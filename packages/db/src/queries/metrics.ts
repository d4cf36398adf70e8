import type { Sql } from '../client';
import { inScope, type ProjectScope } from './scope';

export interface UsageTotals {
  project: string;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  /** Exposition only (Prometheus values are floats): the exact sums are in `GET /v1/costs`. */
  cost_usd: number;
  sync_cost_usd: number;
  unpriced_results: number;
}

export interface MetricsSnapshot {
  jobsByStatus: Array<{ status: string; n: number }>;
  inputsByState: Array<{ state: string; n: number }>;
  resultsByStatus: Array<{ status: string; n: number }>;
  usage: UsageTotals[];
  /** Age of the oldest batch at the provider (state `submitted`), per provider that has one. */
  oldestRunningBatch: Array<{ provider: string; age_s: number }>;
  alertsByKind: Array<{ kind: string; n: number }>;
}

/**
 * Everything `/metrics` reports from Postgres, in a few aggregate queries run side by side, limited to the scope's
 * projects: a batch or an alert counts for its job's project (an alert without a project only for `'all'`).
 */
export async function metricsSnapshot(sql: Sql, scope: ProjectScope): Promise<MetricsSnapshot> {
  // Inputs have no project: a scoped count goes through their jobs, the whole count (every scrape of the operator's
  // Prometheus) stays a plain count of the table.
  const inputsInScope =
    scope === 'all' ? sql`true` : sql`i.job_id in (select j.id from jobs j where ${inScope(sql, scope)})`;
  const [jobsByStatus, inputsByState, resultsByStatus, usage, oldestRunningBatch, alertsByKind] =
    await Promise.all([
      sql<{ status: string; n: number }[]>`
        select status, count(*)::float8 as n from jobs j where ${inScope(sql, scope)} group by status`,
      sql<{ state: string; n: number }[]>`
        select state, count(*)::float8 as n from inputs i where ${inputsInScope} group by state`,
      // Results and their usage come from `result_totals`, kept by triggers as results are written: a scrape reads
      // a few rows, not every result ever stored.
      sql<{ status: string; n: number }[]>`
        select status, sum(results)::float8 as n from result_totals t where ${inScope(sql, scope, 't.project')}
        group by status`,
      sql<UsageTotals[]>`
        select project, provider, model,
               sum(input_tokens)::float8 as input_tokens, sum(output_tokens)::float8 as output_tokens,
               sum(cached_tokens)::float8 as cached_tokens, sum(cache_write_tokens)::float8 as cache_write_tokens,
               sum(cost_usd)::float8 as cost_usd, sum(sync_cost_usd)::float8 as sync_cost_usd,
               sum(unpriced_results)::float8 as unpriced_results
        from result_totals t where ${inScope(sql, scope, 't.project')} group by project, provider, model`,
      sql<{ provider: string; age_s: number }[]>`
        select b.provider, extract(epoch from now() - min(coalesce(b.submitted_at, b.created_at)))::float8 as age_s
        from provider_batches b join jobs j on j.id = b.job_id
        where b.state = 'submitted' and ${inScope(sql, scope)} group by b.provider`,
      sql<{ kind: string; n: number }[]>`
        select kind, count(*)::float8 as n from alerts a where ${inScope(sql, scope, 'a.project')} group by kind`,
    ]);
  return { jobsByStatus, inputsByState, resultsByStatus, usage, oldestRunningBatch, alertsByKind };
}
