/**
 * A realistic volume of priced results for `pnpm bench costs`, written with set-based SQL (generate_series) in
 * a handful of statements: jobs spread over 90 days, each with its inputs, provider batches and results.
 */
import type { Sql } from '@tranche/db';
import { batchDiscountOf, loadPriceTable, Pricer } from '../packages/pricing/src/index';

/** The models the jobs use: three per provider, two of them absent from the price table (unpriced). */
const MODELS: Array<{ provider: string; model: string; kind: 'chat' | 'embedding' }> = [
  { provider: 'openai', model: 'gpt-5.4-mini', kind: 'chat' },
  { provider: 'openai', model: 'gpt-4.1', kind: 'chat' },
  { provider: 'openai', model: 'text-embedding-3-small', kind: 'embedding' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', kind: 'chat' },
  { provider: 'anthropic', model: 'claude-haiku-4-5', kind: 'chat' },
  { provider: 'anthropic', model: 'claude-internal-preview', kind: 'chat' },
  { provider: 'mistral', model: 'mistral-large-latest', kind: 'chat' },
  { provider: 'mistral', model: 'mistral-small-latest', kind: 'chat' },
  { provider: 'vertex', model: 'gemini-2.5-flash', kind: 'chat' },
  { provider: 'vertex', model: 'gemini-2.5-pro', kind: 'chat' },
  { provider: 'vertex', model: 'gemini-2.5-flash-lite', kind: 'chat' },
  { provider: 'vertex', model: 'gemini-tuned-acme-0412', kind: 'chat' },
];

/** Characters of each succeeded result's output: a short answer, stored inline (not TOASTed) like most are. */
const OUTPUT_CHARS = 320;
/** Requests per provider batch. */
const BATCH_SIZE = 10_000;

export interface SeedOptions {
  results: number;
  jobs: number;
  projects: number;
  /** Results of the one big job the job view is timed on. */
  bigJobResults: number;
  now: Date;
}

export interface SeededCosts {
  results: number;
  inputs: number;
  jobs: number;
  runningJobs: number;
  batches: number;
  bigJobId: string;
  budgetProjects: string[];
  /** Size of the results table (heap, TOAST and indexes). */
  resultsTableMb: number;
  phasesS: Record<string, number>;
}

/** Each model's rates, in dollars per million tokens, as the price table has them; null rates when unpriced. */
function modelRates() {
  const pricer = new Pricer(loadPriceTable());
  const text = (n: number | undefined) => (n === undefined ? null : String(n));
  const rows = MODELS.map(({ provider, model, kind }) => {
    const found = pricer.lookup(provider, model);
    const prices = found?.prices;
    const discount = found ? batchDiscountOf(found) : undefined;
    return {
      provider,
      model,
      kind,
      input: text(prices?.input),
      output: text(prices ? (prices.output ?? 0) : undefined),
      cached: text(prices ? (prices.cached_input ?? prices.input) : undefined),
      cacheWrite: text(prices ? (prices.cache_write ?? prices.input) : undefined),
      discount: text(discount),
      cachedDiscount: text(
        found ? (found.settings.batch_discount_applies_to_cached_input ? discount : 0) : undefined,
      ),
    };
  });
  return { version: pricer.version, rows };
}

async function timed<T>(phases: Record<string, number>, name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await step();
  phases[name] = Number(((performance.now() - started) / 1000).toFixed(1));
  return value;
}

/**
 * Seeds `options.results` results (exactly) over ~90 days. Jobs created in the last 36 hours are mostly still
 * running, with part of their inputs answered and the rest submitted or pending; a few older ones failed, timed
 * out or were cancelled. Costs follow the price table's rates (long-context tiers left out).
 */
export async function seedCostData(sql: Sql, options: SeedOptions): Promise<SeededCosts> {
  const { version, rows: models } = modelRates();
  const phases: Record<string, number> = {};
  const column = <K extends keyof (typeof models)[number]>(key: K) => models.map((m) => m[key]);
  // The big job: a plain completed job of a priced model, from about three days ago (same rules as below).
  const priced = (i: number) => models[(i * 5) % models.length]!.input !== null;
  let bigIndex = Math.max(2, Math.round((options.jobs * 3) / 90));
  while (bigIndex % 25 === 0 || bigIndex % 7 === 0 || !priced(bigIndex)) bigIndex++;

  // One connection for the temporary tables; its settings are reset before it goes back to the pool, where the
  // timed reads must find the server's defaults.
  const conn = await sql.reserve();
  try {
    await conn`set work_mem = '256MB'`;
    await conn`set synchronous_commit = off`;
    await timed(phases, 'plan_jobs_s', async () => {
      await conn`
        create temp table seed_jobs as
        with models as (
          select * from unnest(
            ${column('provider')}::text[], ${column('model')}::text[], ${column('kind')}::text[],
            ${column('input')}::numeric[], ${column('output')}::numeric[], ${column('cached')}::numeric[],
            ${column('cacheWrite')}::numeric[], ${column('discount')}::numeric[],
            ${column('cachedDiscount')}::numeric[]
          ) with ordinality as m(provider, model, kind, in_rate, out_rate, cached_rate, cw_rate, discount,
                                 cached_discount, idx)
        ),
        base as (
          select i, md5('bench-job-' || i)::uuid::text as id,
                 'run-' || substr(md5('run' || i), 1, 12) as run_id,
                 m.provider, m.model, m.kind, m.in_rate is not null as priced,
                 m.in_rate, m.out_rate, m.cached_rate, m.cw_rate, m.discount, m.cached_discount,
                 'project-' || lpad(((i * 7) % ${options.projects})::text, 2, '0') as project,
                 'owner-' || (i % 5 + 1) as owner,
                 (array['prod', 'staging', 'dev'])[1 + (i / 5) % 3] as environment,
                 ${options.now}::timestamptz - interval '90 days' * ((i - 0.5) / ${options.jobs}) as created_at,
                 interval '1 hour' * (1 + i % 12) as duration,
                 0.2 + ((i * 37) % 100) / 50.0 as weight
          from generate_series(1, ${options.jobs}) i
          join models m on m.idx = 1 + (i * 5) % ${models.length}
        )
        select b.*,
               case when b.created_at > ${options.now}::timestamptz - interval '36 hours' and i % 3 <> 0
                      then 'running'
                    when i % 25 = 0 then (array['failed', 'timed_out', 'cancelled'])[1 + (i / 25) % 3]
                    when i % 7 = 0 then 'completed_with_failures'
                    else 'completed' end as status,
               case when i = ${bigIndex} then ${options.bigJobResults}::bigint
                    else floor((${options.results - options.bigJobResults}::bigint) * weight
                               / sum(weight) filter (where i <> ${bigIndex}) over ())::bigint end as done,
               0.15 + ((i * 13) % 70) / 100.0 as progress
        from base b`;
      // The rounding remainder goes to the oldest job, so the results are exactly as many as asked.
      await conn`
        update seed_jobs set done = done + (${options.results}::bigint - (select sum(done) from seed_jobs))
        where i = ${options.jobs}`;
      await conn`
        alter table seed_jobs add column total bigint, add column finished_at timestamptz,
                              add column span interval`;
      await conn`
        update seed_jobs set
          total = case when status = 'running' then ceil(done / progress) else done end,
          finished_at = case when status <> 'running' then
                          least(created_at + duration, ${options.now}::timestamptz - interval '1 minute') end`;
      await conn`
        update seed_jobs set span = coalesce(finished_at, ${options.now}::timestamptz) - created_at
                                    - interval '30 seconds'`;
      await conn`create unique index on seed_jobs (i)`;
      await conn`analyze seed_jobs`;
    });

    await timed(phases, 'generate_rows_s', async () => {
      await conn`
        create temp table seed_rows as
        select j.i, k, j.run_id || '-' || substr(md5(j.id || ':' || k), 1, 26) as custom_id,
               s.state, s.error_type,
               t.input_tokens, t.output_tokens, t.cached_tokens, t.cache_write_tokens,
               case when j.priced then coalesce(
                 ((t.input_tokens - t.cached_tokens - t.cache_write_tokens) * j.in_rate * (1 - j.discount)
                  + t.cached_tokens * j.cached_rate * (1 - j.cached_discount)
                  + t.cache_write_tokens * j.cw_rate * (1 - j.discount)
                  + t.output_tokens * j.out_rate * (1 - j.discount)) / 1000000, 0)::numeric(24, 12) end as cost,
               case when j.priced then coalesce(
                 ((t.input_tokens - t.cached_tokens - t.cache_write_tokens) * j.in_rate
                  + t.cached_tokens * j.cached_rate + t.cache_write_tokens * j.cw_rate
                  + t.output_tokens * j.out_rate) / 1000000, 0)::numeric(24, 12) end as sync_cost,
               case when s.error_type = 'invalid_output' then 3 when s.state = 'pending' then 0 else 1 end
                 as attempts,
               j.created_at + j.span * ((k + 0.5) / greatest(j.done, 1)) as created_at,
               md5(j.id || ':batch:' || (k / ${BATCH_SIZE}))::uuid::text as batch_id
        from seed_jobs j
        cross join lateral generate_series(0, j.total - 1) k
        cross join lateral (
          select case when k >= j.done then
                        case when k < j.done + (j.total - j.done) / 2 then 'submitted' else 'pending' end
                      when j.status = 'failed' then 'failed'
                      when j.status in ('timed_out', 'cancelled') and k >= j.done * 0.7 then 'failed'
                      when j.status = 'completed_with_failures' and k % 10 = 3 then 'failed'
                      else 'succeeded' end as state,
                 case when k >= j.done then null
                      when j.status = 'failed' then 'invalid_request'
                      when j.status in ('timed_out', 'cancelled') and k >= j.done * 0.7 then j.status
                      when j.status = 'completed_with_failures' and k % 10 = 3 then 'invalid_output'
                 end as error_type
        ) s
        cross join lateral (
          select x.input_tokens, x.output_tokens,
                 case when x.input_tokens is null then null
                      when j.provider <> 'mistral' and (k + j.i) % 3 = 0 then x.input_tokens / 2 else 0 end
                   as cached_tokens,
                 case when x.input_tokens is null then null
                      when j.provider = 'anthropic' and (k + j.i) % 7 = 0 then 100 else 0 end
                   as cache_write_tokens
          from (select case when s.state = 'succeeded' or s.error_type = 'invalid_output'
                              then 200 + (k * 7919 + j.i * 104729) % 1800 end as input_tokens,
                       case when s.state = 'succeeded' or s.error_type = 'invalid_output'
                              then case when j.kind = 'embedding' then 0 else 50 + (k * 31 + j.i * 17) % 700 end
                       end as output_tokens) x
        ) t`;
    });

    await timed(phases, 'insert_jobs_batches_s', async () => {
      await conn`
        insert into jobs (id, status, provider, model, kind, spec, project, owner, environment, run_id, tags,
                          max_attempts, poll_interval_s, input_count, worst_case_usd, created_at, updated_at,
                          timeout_at, finished_at)
        select id, status, provider, model, kind, '{"defaults": {"max_tokens": 1024}}'::jsonb, project, owner,
               environment, run_id, jsonb_build_object('team', owner), 3, 30, total,
               case when priced
                 then (total * (2000 * in_rate + 1024 * out_rate) * (1 - discount) / 1000000)::numeric(24, 12)
               end,
               created_at, coalesce(finished_at, ${options.now}::timestamptz), created_at + interval '24 hours',
               finished_at
        from seed_jobs order by created_at`;
      await conn`
        insert into provider_batches (id, job_id, provider, chunk_key, round, state, provider_status,
                                      provider_batch_id, request_count, bytes, counts, outcome, submit_attempts,
                                      created_at, submitted_at, status_changed_at, ended_at, fetched_at)
        select md5(j.id || ':batch:' || b)::uuid::text, j.id, j.provider, j.id || ':1:' || b, 1,
               case when j.status = 'running' then 'submitted' else 'fetched' end,
               case when j.status = 'running' then 'in_progress' else 'completed' end,
               'pb-' || substr(md5(j.id || ':' || b), 1, 20), n, n * 300,
               jsonb_build_object('total', n, 'completed', n, 'failed', 0),
               case when j.status = 'running' then null else 'completed' end, 1,
               j.created_at, j.created_at + interval '1 minute', j.created_at + interval '2 minutes',
               j.finished_at, j.finished_at
        from seed_jobs j
        cross join lateral generate_series(0, (j.total - 1) / ${BATCH_SIZE}) b
        cross join lateral (select least(${BATCH_SIZE}::bigint, j.total - b * ${BATCH_SIZE}) as n) c
        where j.total > 0
        order by j.created_at, b`;
    });

    await timed(phases, 'insert_inputs_s', async () => {
      await conn`
        insert into inputs (job_id, custom_id, seq, caller_id, request, request_bytes, state, attempts,
                            batch_id, last_error, spent_input_tokens, spent_output_tokens, spent_cached_tokens,
                            spent_cache_write_tokens)
        select j.id, r.custom_id, r.k, 'doc-' || r.k, q.request, length(q.request::text), r.state, r.attempts,
               case when r.state <> 'pending' then r.batch_id end,
               case when r.error_type is not null then jsonb_build_object('type', r.error_type) end,
               coalesce(r.input_tokens, 0), coalesce(r.output_tokens, 0), coalesce(r.cached_tokens, 0),
               coalesce(r.cache_write_tokens, 0)
        from seed_rows r join seed_jobs j on j.i = r.i
        cross join lateral (
          select jsonb_build_object('messages', jsonb_build_array(jsonb_build_object(
                   'role', 'user', 'content', 'Summarise document ' || r.k || ': ' || md5(r.custom_id))))
                 as request
        ) q
        order by j.created_at, r.k`;
    });

    await timed(phases, 'insert_results_s', async () => {
      await conn`
        insert into results (custom_id, job_id, batch_id, status, output, input_tokens, output_tokens,
                             cached_tokens, cache_write_tokens, usage, cost_usd, sync_cost_usd, price_version,
                             error, attempts, created_at)
        select r.custom_id, j.id, r.batch_id, r.state,
               case when r.state = 'succeeded'
                 then jsonb_build_object('content', repeat(md5(r.custom_id), ${OUTPUT_CHARS / 32})) end,
               r.input_tokens, r.output_tokens, r.cached_tokens, r.cache_write_tokens,
               case when r.input_tokens is not null then jsonb_build_object(
                 'input_tokens', r.input_tokens, 'output_tokens', r.output_tokens,
                 'cached_tokens', r.cached_tokens, 'cache_write_tokens', r.cache_write_tokens) end,
               r.cost, r.sync_cost, case when j.priced then ${version}::text end,
               case when r.error_type is not null
                 then jsonb_build_object('type', r.error_type, 'message', 'seeded ' || r.error_type) end,
               r.attempts, r.created_at
        from seed_rows r join seed_jobs j on j.i = r.i
        where r.k < j.done
        order by r.created_at`;
    });

    // Budgets for five projects, between 70% and 500% of what they spent this month so far.
    const month = new Date(Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth(), 1));
    const budgetProjects = await timed(phases, 'budgets_alerts_s', async () => {
      const rows = await conn<{ project: string }[]>`
        insert into budgets (project, monthly_usd)
        select j.project,
               greatest(10, round(sum(r.cost_usd)
                                  * (array[0.7, 0.9, 1.2, 2, 5])[row_number() over (order by j.project)], 2))
        from results r join jobs j on j.id = r.job_id
        where r.created_at >= ${month}
          and j.project in (select distinct project from seed_jobs order by project limit 5)
        group by j.project
        returning project`;
      await conn`
        insert into alerts (kind, dedupe_key, project, job_id, message, created_at)
        select (array['job_timed_out', 'batch_stuck', 'budget_80', 'budget_100'])[1 + n % 4], 'bench:' || n,
               'project-0' || (n % 5), null, 'seeded alert ' || n,
               ${options.now}::timestamptz - interval '1 day' * n
        from generate_series(1, 40) n`;
      return rows.map((row) => row.project).sort();
    });

    await timed(phases, 'vacuum_analyze_s', async () => {
      await conn`drop table seed_rows`;
      await conn`vacuum (analyze) jobs, inputs, provider_batches, results, budgets, alerts`;
    });

    const [counts] = await conn<
      {
        results: number;
        inputs: number;
        jobs: number;
        running: number;
        batches: number;
        big: string;
        results_mb: number;
      }[]
    >`
      select (select count(*) from results)::int as results, (select count(*) from inputs)::int as inputs,
             (select count(*) from jobs)::int as jobs,
             (select count(*) from jobs where status = 'running')::int as running,
             (select count(*) from provider_batches)::int as batches,
             (select id from seed_jobs where i = ${bigIndex}) as big,
             round(pg_total_relation_size('results') / 1048576.0)::int as results_mb`;
    await conn`drop table seed_jobs`;
    return {
      results: counts!.results,
      inputs: counts!.inputs,
      jobs: counts!.jobs,
      runningJobs: counts!.running,
      batches: counts!.batches,
      bigJobId: counts!.big,
      budgetProjects,
      resultsTableMb: counts!.results_mb,
      phasesS: phases,
    };
  } finally {
    await conn`reset all`;
    conn.release();
  }
}
