import type { BilledTokens, Cost } from '@tranche/pricing';
import type { Sql } from '../client';
import { settleAwaitingInputs } from './awaiting';
import type { JobRow, StoredError } from './types';

export interface IncomingResult {
  customId: string;
  status: 'succeeded' | 'failed';
  output?: unknown;
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cachedTokens: number;
    cacheWriteTokens: number;
    raw: unknown;
  } | null;
  error?: StoredError;
}

/** Prices a result's tokens (of every attempt) at its job's provider and model; null when the model has no price. */
export type PriceResult = (tokens: BilledTokens) => Cost | null;

/** The price function of a job's provider and model. */
export type PricingFor = (job: Pick<JobRow, 'provider' | 'model'>) => PriceResult;

interface FinalRow {
  custom_id: string;
  status: 'succeeded' | 'failed';
  output: unknown;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  cache_write_tokens: number | null;
  usage: unknown;
  cost_usd: string | null;
  sync_cost_usd: string | null;
  price_version: string | null;
  error: StoredError | null;
  attempts: number;
}

export interface ApplyOutcome {
  succeeded: number;
  failed: number;
  retrying: number;
  /** Lines for inputs no longer waiting on this batch (a fetch retried after a crash): ignored. */
  ignored: number;
}

/** A replaced failure's tokens plus the new outcome's (null only when neither reported any). */
const carried = (tx: Sql, column: string) =>
  tx.unsafe(`case when excluded.${column} is null and results.${column} is null then null
    else coalesce(excluded.${column}, 0) + coalesce(results.${column}, 0) end`);

/** An outcome that reported no tokens cost nothing, priced or not: the sum is the other side's. */
const summed = (tx: Sql, column: string) =>
  tx.unsafe(`case when coalesce(results.input_tokens, 0) + coalesce(results.output_tokens, 0) = 0 then excluded.${column}
    when coalesce(excluded.input_tokens, 0) + coalesce(excluded.output_tokens, 0) = 0 then results.${column}
    else excluded.${column} + results.${column} end`);

/** The version of a summed cost: none when either side's spend had no price (the sum is unknown). */
const summedVersion = (tx: Sql) =>
  tx.unsafe(`case when coalesce(results.input_tokens, 0) + coalesce(results.output_tokens, 0) = 0 then excluded.price_version
    when coalesce(excluded.input_tokens, 0) + coalesce(excluded.output_tokens, 0) = 0 then results.price_version
    when results.cost_usd is not null and excluded.cost_usd is not null then excluded.price_version end`);

/** A success stays as it is (its output, its job); a failure gives way to the newer outcome. */
const outcome = (tx: Sql, column: string) =>
  tx.unsafe(`case when results.status = 'succeeded' then results.${column} else excluded.${column} end`);

async function insertResults(tx: Sql, job: Pick<JobRow, 'id'>, batchId: string | null, rows: FinalRow[]) {
  if (rows.length === 0) return;
  // The cost goes in with the row, in the same statement: a result is never stored without its cost, nor priced
  // twice. A custom id written again (a replay of the same run) keeps one row: a success is never overwritten, a
  // failure gives way to the newer outcome, and the tokens and cost of both are added up, so no spend is lost (a
  // billed invalid output replaced by a success; two jobs of one run that both sent the request).
  await tx`
    insert into results (custom_id, job_id, batch_id, status, output, input_tokens, output_tokens, cached_tokens,
                         cache_write_tokens, usage, cost_usd, sync_cost_usd, price_version, error, attempts)
    select r.custom_id, ${job.id}, ${batchId}, r.status, r.output, r.input_tokens, r.output_tokens, r.cached_tokens,
           r.cache_write_tokens, r.usage, r.cost_usd::numeric, r.sync_cost_usd::numeric, r.price_version, r.error,
           r.attempts
    from jsonb_to_recordset(${tx.json(rows as never)}::jsonb) as r(
      custom_id text, status text, output jsonb, input_tokens int, output_tokens int, cached_tokens int,
      cache_write_tokens int, usage jsonb, cost_usd text, sync_cost_usd text, price_version text, error jsonb,
      attempts int)
    -- In key order: two jobs of one run storing the same requests in other orders take their row locks alike and
    -- never deadlock.
    order by r.custom_id
    on conflict (custom_id) do update set
      job_id = ${outcome(tx, 'job_id')}, batch_id = ${outcome(tx, 'batch_id')}, status = ${outcome(tx, 'status')},
      output = ${outcome(tx, 'output')}, usage = ${outcome(tx, 'usage')}, error = ${outcome(tx, 'error')},
      attempts = ${outcome(tx, 'attempts')},
      created_at = case when results.status = 'succeeded' then results.created_at else now() end,
      input_tokens = ${carried(tx, 'input_tokens')}, output_tokens = ${carried(tx, 'output_tokens')},
      cached_tokens = ${carried(tx, 'cached_tokens')}, cache_write_tokens = ${carried(tx, 'cache_write_tokens')},
      cost_usd = ${summed(tx, 'cost_usd')}, sync_cost_usd = ${summed(tx, 'sync_cost_usd')},
      price_version = ${summedVersion(tx)}`;
  // Replays of the run that wait for these requests take the outcome (every final result is stored here).
  await settleAwaitingInputs(
    tx,
    job.id,
    rows.map((r) => r.custom_id),
  );
}

/** Final outcomes for inputs the caller already owns (nothing else can be writing them). */
async function writeFinal(tx: Sql, job: Pick<JobRow, 'id'>, batchId: string | null, rows: FinalRow[]) {
  if (rows.length === 0) return;
  await insertResults(tx, job, batchId, rows);
  await tx`
    update inputs i set state = r.status, last_error = r.error
    from jsonb_to_recordset(${tx.json(rows.map((r) => ({ custom_id: r.custom_id, status: r.status, error: r.error })) as never)}::jsonb)
      as r(custom_id text, status text, error jsonb)
    where i.job_id = ${job.id} and i.custom_id = r.custom_id`;
}

interface SpentTokens {
  spent_input_tokens: number;
  spent_output_tokens: number;
  spent_cached_tokens: number;
  spent_cache_write_tokens: number;
}

/**
 * A result row, priced: its token counts are what every attempt of the input cost, when the provider reported
 * any. A result with no tokens on a priced model costs 0 at the table's version; on an unpriced model all is null.
 */
function finalRow(
  result: IncomingResult,
  attempts: number,
  price: PriceResult,
  spent?: SpentTokens,
): FinalRow {
  const billed = spent && spent.spent_input_tokens + spent.spent_output_tokens > 0;
  const tokens = billed
    ? {
        input_tokens: spent.spent_input_tokens,
        output_tokens: spent.spent_output_tokens,
        cached_tokens: spent.spent_cached_tokens,
        cache_write_tokens: spent.spent_cache_write_tokens,
      }
    : {
        input_tokens: result.usage?.inputTokens ?? null,
        output_tokens: result.usage?.outputTokens ?? null,
        cached_tokens: result.usage?.cachedTokens ?? null,
        cache_write_tokens: result.usage?.cacheWriteTokens ?? null,
      };
  const cost = price({
    // This attempt's prompt, else (an input failed while not at a provider) the average over its attempts.
    requestInputTokens:
      result.usage?.inputTokens ?? Math.ceil((tokens.input_tokens ?? 0) / Math.max(1, attempts)),
    inputTokens: tokens.input_tokens ?? 0,
    outputTokens: tokens.output_tokens ?? 0,
    cachedTokens: tokens.cached_tokens ?? 0,
    cacheWriteTokens: tokens.cache_write_tokens ?? 0,
  });
  return {
    custom_id: result.customId,
    status: result.status,
    output: result.output ?? null,
    ...tokens,
    usage: result.usage?.raw ?? null,
    cost_usd: cost?.costUsd ?? null,
    sync_cost_usd: cost?.syncCostUsd ?? null,
    price_version: cost?.priceVersion ?? null,
    error: result.error ?? null,
    attempts,
  };
}

/**
 * Stores one slice of a batch's results, with their cost (`price` is bound to the job's provider and model), in one
 * transaction. Only inputs still waiting on this batch are touched, so a fetch retried after a crash writes and
 * prices nothing twice.
 */
export async function applyResults(
  sql: Sql,
  job: Pick<JobRow, 'id' | 'max_attempts' | 'cancel_reason'>,
  batchId: string,
  results: IncomingResult[],
  price: PriceResult,
): Promise<ApplyOutcome> {
  return sql.begin((tx) => applyResultsIn(tx as unknown as Sql, job, batchId, results, price));
}

/** `applyResults` inside a transaction the caller already holds. */
export async function applyResultsIn(
  tx: Sql,
  job: Pick<JobRow, 'id' | 'max_attempts' | 'cancel_reason'>,
  batchId: string,
  results: IncomingResult[],
  price: PriceResult,
): Promise<ApplyOutcome> {
  const byId = new Map<string, IncomingResult>();
  for (const result of results) if (!byId.has(result.customId)) byId.set(result.customId, result);
  const retriesAllowed = job.cancel_reason === null;
  const decisions = [...byId.values()].map((r) => ({
    custom_id: r.customId,
    status: r.status,
    retryable: retriesAllowed && r.status === 'failed' && r.error?.retryable === true,
    error: r.error ?? null,
    input_tokens: r.usage?.inputTokens ?? 0,
    output_tokens: r.usage?.outputTokens ?? 0,
    cached_tokens: r.usage?.cachedTokens ?? 0,
    cache_write_tokens: r.usage?.cacheWriteTokens ?? 0,
  }));
  // One statement decides and claims: only inputs still waiting on this batch change, so a fetch run twice writes
  // nothing twice. `is not distinct from` keeps batch_id out of the index conditions: batch and job are correlated,
  // and once the table is analysed the planner, thinking `batch_id = $1 and job_id = $2` matches one row, chose a
  // nested loop over the batch's 10,000 rows instead of 1,000 primary-key probes (1.7 s per slice instead of 20 ms).
  const changed = await tx<(SpentTokens & { custom_id: string; state: string; attempts: number })[]>`
    update inputs i set
      state = case when r.retryable and i.attempts < ${job.max_attempts} then 'pending' else r.status end,
      batch_id = case when r.retryable and i.attempts < ${job.max_attempts} then null else i.batch_id end,
      last_error = r.error,
      spent_input_tokens = i.spent_input_tokens + r.input_tokens,
      spent_output_tokens = i.spent_output_tokens + r.output_tokens,
      spent_cached_tokens = i.spent_cached_tokens + r.cached_tokens,
      spent_cache_write_tokens = i.spent_cache_write_tokens + r.cache_write_tokens
    from jsonb_to_recordset(${tx.json(decisions as never)}::jsonb)
      as r(custom_id text, status text, retryable boolean, error jsonb, input_tokens int, output_tokens int,
           cached_tokens int, cache_write_tokens int)
    where i.job_id = ${job.id} and i.custom_id = r.custom_id and i.batch_id is not distinct from ${batchId}
      and i.state = 'submitted'
    returning i.custom_id, i.state, i.attempts, i.spent_input_tokens, i.spent_output_tokens, i.spent_cached_tokens,
              i.spent_cache_write_tokens`;
  const outcome: ApplyOutcome = {
    succeeded: 0,
    failed: 0,
    retrying: 0,
    ignored: results.length - changed.length,
  };
  const finals: FinalRow[] = [];
  for (const row of changed) {
    if (row.state === 'pending') {
      outcome.retrying += 1;
      continue;
    }
    const result = byId.get(row.custom_id)!;
    finals.push(finalRow(result, row.attempts, price, row));
    outcome[result.status] += 1;
  }
  await insertResults(tx, job, batchId, finals);
  return outcome;
}

/** Inputs of a batch that got no result line at all, in request-file order. */
export async function unansweredInputs(sql: Sql, batchId: string): Promise<string[]> {
  const rows = await sql<{ custom_id: string }[]>`
    select custom_id from inputs where batch_id = ${batchId} and state = 'submitted' order by seq`;
  return rows.map((r) => r.custom_id);
}

/**
 * Fails inputs that are not at a provider now (too large, or cancelled before submission): final, no retry. An
 * input sent in earlier attempts keeps what those cost.
 */
export async function failUnsent(
  tx: Sql,
  jobId: string,
  customIds: string[],
  error: StoredError,
  price: PriceResult,
): Promise<void> {
  if (customIds.length === 0) return;
  const rows = await tx<(SpentTokens & { custom_id: string; attempts: number })[]>`
    select i.custom_id, i.attempts, i.spent_input_tokens, i.spent_output_tokens, i.spent_cached_tokens,
           i.spent_cache_write_tokens
    from inputs i
    join unnest(${customIds}::text[]) as u(custom_id) on u.custom_id = i.custom_id
    where i.job_id = ${jobId}`;
  await writeFinal(
    tx,
    { id: jobId },
    null,
    rows.map((r) => finalRow({ customId: r.custom_id, status: 'failed', error }, r.attempts, price, r)),
  );
}

export async function markBatchFetched(tx: Sql, batchId: string): Promise<void> {
  await tx`update provider_batches set state = 'fetched', fetched_at = now() where id = ${batchId}`;
}

export async function countPendingInputs(tx: Sql, jobId: string): Promise<number> {
  const [row] = await tx<{ n: number }[]>`
    select count(*)::int as n from inputs where job_id = ${jobId} and state = 'pending'`;
  return row?.n ?? 0;
}

export interface ResultLine {
  seq: number;
  custom_id: string;
  id: string | null;
  state: string;
  status: string | null;
  output: unknown;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  cache_write_tokens: number | null;
  cost_usd: string | null;
  sync_cost_usd: string | null;
  price_version: string | null;
  error: StoredError | null;
  last_error: StoredError | null;
}

/** One row per input the caller sent (duplicates expanded), in input order, with its result if there is one. */
export function jobResultsCursor(sql: Sql, jobId: string, pageSize = 1000) {
  return sql<ResultLine[]>`
    select refs.seq, i.custom_id, refs.id, i.state, r.status, r.output, r.input_tokens, r.output_tokens,
           r.cached_tokens, r.cache_write_tokens, r.cost_usd, r.sync_cost_usd, r.price_version, r.error, i.last_error
    from inputs i
    cross join lateral (
      select i.seq, i.caller_id as id
      union all
      select (a->>'seq')::int, a->>'id' from jsonb_array_elements(coalesce(i.aliases, '[]'::jsonb)) a
    ) refs
    left join results r on r.custom_id = i.custom_id
    where i.job_id = ${jobId}
    order by refs.seq`.cursor(pageSize);
}
