import type { BilledTokens, Cost } from '@tranche/pricing';
import type { Sql } from '../client';
import { splitEmbedding } from '../embedding-bytes';
import { lockRunForResults, settleAwaitingInputs } from './awaiting';
import { jsonText, providerText } from './slice-arrays';
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
  /** An embedding's float32 bytes, base64 (see embedding-bytes.ts). */
  embedding: string | null;
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
  const run = await lockRunForResults(tx, job.id);
  await tx`
    insert into results (custom_id, job_id, batch_id, status, output, embedding, input_tokens, output_tokens,
                         cached_tokens, cache_write_tokens, usage, cost_usd, sync_cost_usd, price_version, error,
                         attempts)
    select r.custom_id, ${job.id}, ${batchId}, r.status, r.output::jsonb, decode(r.embedding, 'base64'),
           r.input_tokens, r.output_tokens, r.cached_tokens, r.cache_write_tokens, r.usage::jsonb,
           r.cost_usd::numeric, r.sync_cost_usd::numeric, r.price_version, r.error::jsonb, r.attempts
    from unnest(
      ${providerText(
        tx,
        rows.map((r) => r.custom_id),
      )},
      ${rows.map((r) => r.status)}::text[],
      ${rows.map((r) => jsonText(r.output))}::text[],
      ${rows.map((r) => r.embedding)}::text[],
      ${rows.map((r) => r.input_tokens)}::int[],
      ${rows.map((r) => r.output_tokens)}::int[],
      ${rows.map((r) => r.cached_tokens)}::int[],
      ${rows.map((r) => r.cache_write_tokens)}::int[],
      ${rows.map((r) => jsonText(r.usage))}::text[],
      ${rows.map((r) => r.cost_usd)}::text[],
      ${rows.map((r) => r.sync_cost_usd)}::text[],
      ${rows.map((r) => r.price_version)}::text[],
      ${rows.map((r) => jsonText(r.error))}::text[],
      ${rows.map((r) => r.attempts)}::int[]
    ) as r(custom_id, status, output, embedding, input_tokens, output_tokens, cached_tokens, cache_write_tokens, usage,
           cost_usd, sync_cost_usd, price_version, error, attempts)
    -- In key order: two jobs of one run storing the same requests in other orders take their row locks alike and
    -- never deadlock.
    order by r.custom_id
    on conflict (custom_id) do update set
      job_id = ${outcome(tx, 'job_id')}, batch_id = ${outcome(tx, 'batch_id')}, status = ${outcome(tx, 'status')},
      output = ${outcome(tx, 'output')}, embedding = ${outcome(tx, 'embedding')}, usage = ${outcome(tx, 'usage')},
      error = ${outcome(tx, 'error')},
      attempts = ${outcome(tx, 'attempts')},
      created_at = case when results.status = 'succeeded' then results.created_at else now() end,
      input_tokens = ${carried(tx, 'input_tokens')}, output_tokens = ${carried(tx, 'output_tokens')},
      cached_tokens = ${carried(tx, 'cached_tokens')}, cache_write_tokens = ${carried(tx, 'cache_write_tokens')},
      cost_usd = ${summed(tx, 'cost_usd')}, sync_cost_usd = ${summed(tx, 'sync_cost_usd')},
      price_version = ${summedVersion(tx)}`;
  // Replays of the run that wait for these requests take the outcome (every final result is stored here).
  if (run)
    await settleAwaitingInputs(
      tx,
      run,
      rows.map((r) => r.custom_id),
    );
}

/** Final outcomes for inputs the caller already owns (nothing else can be writing them). */
async function writeFinal(tx: Sql, job: Pick<JobRow, 'id'>, batchId: string | null, rows: FinalRow[]) {
  if (rows.length === 0) return;
  await insertResults(tx, job, batchId, rows);
  // The job rides along in each row, a join clause rather than a filter on `inputs` (see `claimInputs`).
  await tx`
    update inputs i set state = r.status, last_error = r.error::jsonb
    from unnest(
      array_fill(${job.id}::text, array[${rows.length}::int]),
      ${rows.map((r) => r.custom_id)}::text[],
      ${rows.map((r) => r.status)}::text[],
      ${rows.map((r) => jsonText(r.error))}::text[]
    ) as r(job_id, custom_id, status, error)
    where i.job_id = r.job_id and i.custom_id = r.custom_id`;
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
    ...splitEmbedding(result.output),
    ...tokens,
    usage: result.usage?.raw ?? null,
    cost_usd: cost?.costUsd ?? null,
    sync_cost_usd: cost?.syncCostUsd ?? null,
    price_version: cost?.priceVersion ?? null,
    error: result.error ?? null,
    attempts,
  };
}

interface Decision {
  customId: string;
  status: 'succeeded' | 'failed';
  retryable: boolean;
  error: StoredError | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
}

type Claimed = SpentTokens & { custom_id: string; state: string; attempts: number };

/**
 * One statement decides and claims: only inputs still waiting on this batch change, so a fetch run twice writes
 * nothing twice.
 *
 * Nothing here restricts `inputs` on its own: the job, the batch and the state are compared with columns of the
 * slice's rows. Given a restriction such as `job_id = $1 and state = 'submitted'`, the planner estimates from
 * statistics that are wrong in both directions during a job: before `inputs` is first analysed it assumes 0.5% per
 * condition (a 10,000-input batch "matched 1 row"), afterwards it multiplies correlated conditions (batch and job).
 * Both times it took the input side for tiny and chose a nested loop over the job's (or the batch's) rows with the
 * slice rescanned for each of them: 1.5-2.5 s per slice of 1,000, falling as the batch emptied, so a 10,000-input
 * batch took 11 s to store and a 30,000-input job's second batch 12 s, while its first and third took 1 s. With
 * only join clauses, a nested loop over the table costs it the table's rows times the slice's, so it is left with a
 * probe of the primary key per slice row, or a hash join over the whole table: it chose the hash while `inputs` was
 * under about 70,000 rows, hashing the whole table again for every slice (a sixth of a slice's CPU at 30,000).
 * Hash and merge joins are off for this statement only: what is left is the probes, whatever the statistics say.
 */
async function claimInputs(
  tx: Sql,
  job: { id: string; maxAttempts: number },
  batchId: string,
  decisions: Decision[],
): Promise<Claimed[]> {
  const n = decisions.length;
  await tx.unsafe('set local enable_hashjoin = off; set local enable_mergejoin = off');
  const claimed = await tx<Claimed[]>`
    update inputs i set
      state = case when r.retryable = 't' and i.attempts < ${job.maxAttempts} then 'pending' else r.status end,
      batch_id = case when r.retryable = 't' and i.attempts < ${job.maxAttempts} then null else i.batch_id end,
      last_error = r.error::jsonb,
      spent_input_tokens = i.spent_input_tokens + r.input_tokens,
      spent_output_tokens = i.spent_output_tokens + r.output_tokens,
      spent_cached_tokens = i.spent_cached_tokens + r.cached_tokens,
      spent_cache_write_tokens = i.spent_cache_write_tokens + r.cache_write_tokens
    from unnest(
      array_fill(${job.id}::text, array[${n}::int]),
      array_fill(${batchId}::text, array[${n}::int]),
      array_fill('submitted'::text, array[${n}::int]),
      ${providerText(
        tx,
        decisions.map((d) => d.customId),
      )},
      ${decisions.map((d) => d.status)}::text[],
      ${decisions.map((d) => (d.retryable ? 't' : 'f'))}::text[],
      ${decisions.map((d) => jsonText(d.error))}::text[],
      ${decisions.map((d) => d.inputTokens)}::int[],
      ${decisions.map((d) => d.outputTokens)}::int[],
      ${decisions.map((d) => d.cachedTokens)}::int[],
      ${decisions.map((d) => d.cacheWriteTokens)}::int[]
    ) as r(job_id, batch_id, from_state, custom_id, status, retryable, error, input_tokens, output_tokens,
           cached_tokens, cache_write_tokens)
    where i.job_id = r.job_id and i.custom_id = r.custom_id and i.batch_id is not distinct from r.batch_id
      and i.state = r.from_state
    returning i.custom_id, i.state, i.attempts, i.spent_input_tokens, i.spent_output_tokens, i.spent_cached_tokens,
              i.spent_cache_write_tokens`;
  await tx.unsafe('set local enable_hashjoin = on; set local enable_mergejoin = on');
  return claimed;
}

/**
 * Stores one slice of a batch's results, with their cost (`price` is bound to the job's provider and model), in one
 * transaction. Only inputs still waiting on this batch are touched, so a fetch retried after a crash writes and
 * prices nothing twice.
 *
 * The transaction commits without waiting for its WAL to reach the disk. Until then it holds the rows of the
 * results' rollups (`result_totals`: one per project, model and outcome), so every slice of every batch of a project
 * queued behind each other's disk flush: 6-30 ms a commit on a busy machine, a second or more per 100,000 results.
 * Nothing is lost that matters: if Postgres itself crashes, the last slices may vanish with their claims, their
 * inputs are still waiting on the batch, and the batch is still `ended`, so its fetch runs again and stores them.
 * The batch is marked fetched by a transaction that does wait (`settleBatch`), and that flush covers every slice
 * committed before it.
 */
export async function applyResults(
  sql: Sql,
  job: Pick<JobRow, 'id' | 'max_attempts' | 'cancel_reason'>,
  batchId: string,
  results: IncomingResult[],
  price: PriceResult,
): Promise<ApplyOutcome> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    await tx`set local synchronous_commit = off`;
    return applyResultsIn(tx, job, batchId, results, price);
  });
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
    customId: r.customId,
    status: r.status,
    retryable: retriesAllowed && r.status === 'failed' && r.error?.retryable === true,
    error: r.error ?? null,
    inputTokens: r.usage?.inputTokens ?? 0,
    outputTokens: r.usage?.outputTokens ?? 0,
    cachedTokens: r.usage?.cachedTokens ?? 0,
    cacheWriteTokens: r.usage?.cacheWriteTokens ?? 0,
  }));
  const changed =
    decisions.length === 0
      ? []
      : await claimInputs(tx, { id: job.id, maxAttempts: job.max_attempts }, batchId, decisions);
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
    join unnest(array_fill(${jobId}::text, array[${customIds.length}::int]), ${customIds}::text[]) as u(job_id, custom_id)
      on i.job_id = u.job_id and i.custom_id = u.custom_id`;
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
  /** An embedding's float32 bytes, base64 (joinEmbedding puts them back into the output). */
  embedding: string | null;
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
    select refs.seq, i.custom_id, refs.id, i.state, r.status, r.output, encode(r.embedding, 'base64') as embedding,
           r.input_tokens, r.output_tokens, r.cached_tokens, r.cache_write_tokens, r.cost_usd, r.sync_cost_usd,
           r.price_version, r.error, i.last_error
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
