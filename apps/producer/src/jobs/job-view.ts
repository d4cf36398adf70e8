import {
  type BatchRow,
  getJob,
  getJobBatches,
  type JobRow,
  type Reconciliation,
  reconcile,
  type Sql,
} from '@tranche/db';

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
  /** Why the job could not run at all, when it could not. */
  error: string | null;
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
  created_at: string;
  finished_at: string | null;
  reconciliation: Reconciliation;
  usage: JobUsage;
  cost: JobCost;
  batches: BatchView[];
}

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

const iso = (d: Date | null) => (d ? d.toISOString() : null);

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

async function jobTotals(sql: Sql, jobId: string): Promise<{ usage: JobUsage; cost: JobCost }> {
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

export async function loadJobView(sql: Sql, jobId: string): Promise<JobView | null> {
  const job = await getJob(sql, jobId);
  if (!job) return null;
  const [reconciliation, batches, { usage, cost }] = await Promise.all([
    reconcile(sql, job),
    getJobBatches(sql, jobId),
    jobTotals(sql, jobId),
  ]);
  return {
    job_id: job.id,
    status: job.status,
    error: job.error,
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
    created_at: job.created_at.toISOString(),
    finished_at: iso(job.finished_at),
    reconciliation,
    usage,
    cost,
    batches: batches.map(batchView),
  };
}
