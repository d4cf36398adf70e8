import type { Sql } from '../client';

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

/** Everything `/metrics` reports from Postgres, in a few aggregate queries run side by side. */
export async function metricsSnapshot(sql: Sql): Promise<MetricsSnapshot> {
  const [jobsByStatus, inputsByState, resultsByStatus, usage, oldestRunningBatch, alertsByKind] =
    await Promise.all([
      sql<{ status: string; n: number }[]>`select status, count(*)::float8 as n from jobs group by status`,
      sql<{ state: string; n: number }[]>`select state, count(*)::float8 as n from inputs group by state`,
      // Results and their usage come from `result_totals`, kept by triggers as results are written: a scrape reads
      // a few rows, not every result ever stored.
      sql<{ status: string; n: number }[]>`
        select status, sum(results)::float8 as n from result_totals group by status`,
      sql<UsageTotals[]>`
        select project, provider, model,
               sum(input_tokens)::float8 as input_tokens, sum(output_tokens)::float8 as output_tokens,
               sum(cached_tokens)::float8 as cached_tokens, sum(cache_write_tokens)::float8 as cache_write_tokens,
               sum(cost_usd)::float8 as cost_usd, sum(sync_cost_usd)::float8 as sync_cost_usd,
               sum(unpriced_results)::float8 as unpriced_results
        from result_totals group by project, provider, model`,
      sql<{ provider: string; age_s: number }[]>`
        select provider, extract(epoch from now() - min(coalesce(submitted_at, created_at)))::float8 as age_s
        from provider_batches where state = 'submitted' group by provider`,
      sql<{ kind: string; n: number }[]>`select kind, count(*)::float8 as n from alerts group by kind`,
    ]);
  return { jobsByStatus, inputsByState, resultsByStatus, usage, oldestRunningBatch, alertsByKind };
}
