import type { Sql } from '../client';

/** Tokens of the job's results, over every attempt. */
export interface JobUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
}

/** Money as decimal strings (12 places), summed in Postgres over the job's results. */
export interface JobCost {
  /** At batch rates. */
  cost_usd: string;
  /** What the same tokens would have cost through the synchronous APIs. */
  sync_cost_usd: string;
  savings_usd: string;
  /** Results with no cost because the model has no price: not counted in the sums above. */
  unpriced_results: number;
  /** Versions of the price table the results were priced with (more than one if it changed mid-job). */
  price_versions: string[];
}

/** A job's tokens and cost, summed in Postgres over its results: the job view and the job.finished webhook. */
export async function jobTotals(sql: Sql, jobId: string): Promise<{ usage: JobUsage; cost: JobCost }> {
  const [row] = await sql<(JobUsage & JobCost)[]>`
    select coalesce(sum(r.input_tokens), 0)::bigint::float8 as input_tokens,
           coalesce(sum(r.output_tokens), 0)::bigint::float8 as output_tokens,
           coalesce(sum(r.cached_tokens), 0)::bigint::float8 as cached_tokens,
           coalesce(sum(r.cache_write_tokens), 0)::bigint::float8 as cache_write_tokens,
           coalesce(sum(r.cost_usd), 0)::numeric(30, 12)::text as cost_usd,
           coalesce(sum(r.sync_cost_usd), 0)::numeric(30, 12)::text as sync_cost_usd,
           (coalesce(sum(r.sync_cost_usd), 0) - coalesce(sum(r.cost_usd), 0))::numeric(30, 12)::text as savings_usd,
           count(*) filter (where r.price_version is null)::int as unpriced_results,
           coalesce(array_agg(distinct r.price_version) filter (where r.price_version is not null), '{}')
             as price_versions
    from results r where r.job_id = ${jobId}`;
  const { cost_usd, sync_cost_usd, savings_usd, unpriced_results, price_versions, ...usage } = row!;
  return { usage, cost: { cost_usd, sync_cost_usd, savings_usd, unpriced_results, price_versions } };
}
