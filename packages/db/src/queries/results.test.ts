import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database, type Sql } from '../client';
import { joinEmbedding } from '../embedding-bytes';
import { createTestDatabase, type TestDatabase } from '../testing';
import { insertPlannedBatch } from './batches';
import { insertJob } from './intake';
import { requestCancel } from './lifecycle';
import {
  applyResults,
  applyResultsIn,
  type IncomingResult,
  jobResultsCursor,
  type PriceResult,
} from './results';
import type { JobRow } from './types';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 3 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

const VERSION = 'test-prices-1';
const PICO = 10n ** 12n;
const decimal = (pico: bigint) => `${pico / PICO}.${(pico % PICO).toString().padStart(12, '0')}`;

/**
 * gpt-4o-mini's rates written out: $0.15 input, $0.075 cached input, $0.60 output per million tokens, half price in
 * a batch. Tokens x micro-dollars per million tokens = picodollars.
 */
const price: PriceResult = (t) => {
  const sync =
    BigInt(t.inputTokens - t.cachedTokens) * 150_000n +
    BigInt(t.cachedTokens) * 75_000n +
    BigInt(t.outputTokens) * 600_000n;
  return { costUsd: decimal(sync / 2n), syncCostUsd: decimal(sync), priceVersion: VERSION };
};
const unpriced: PriceResult = () => null;

const usage = (inputTokens: number, outputTokens: number, cachedTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedTokens,
  cacheWriteTokens: 0,
  raw: { prompt_tokens: inputTokens, completion_tokens: outputTokens },
});

/** A job whose inputs' custom ids are `<prefix>-<id>`, the prefix its own id unless given (a replay shares one). */
async function jobWithInputs(customIds: string[], model = 'gpt-4o-mini', prefix?: string): Promise<JobRow> {
  const id = randomUUID();
  await insertJob(
    db.sql,
    {
      id,
      provider: 'openai',
      model,
      kind: 'chat',
      spec: {},
      project: 'costs',
      owner: 'tests',
      environment: null,
      runId: `run-${id.slice(0, 8)}`,
      tags: {},
      maxAttempts: 3,
      pollIntervalS: 300,
      timeoutAt: new Date(Date.now() + 3_600_000),
    },
    customIds.map((customId, seq) => ({
      customId: `${prefix ?? id}-${customId}`,
      seq,
      callerId: customId,
      requestJson: '{}',
    })),
    () => ({ inputCount: customIds.length, duplicates: 0, aliases: new Map() }),
  );
  const [job] = await db.sql<JobRow[]>`select * from jobs where id = ${id}`;
  return job!;
}

/** Plans the job's pending inputs into a batch, as the submit processor does (each attempt counted). */
async function sendPending(job: JobRow, round: number): Promise<string> {
  const batchId = randomUUID();
  const pending = await db.sql<{ custom_id: string }[]>`
    select custom_id from inputs where job_id = ${job.id} and state = 'pending'`;
  await db.sql.begin((tx) =>
    insertPlannedBatch(tx as unknown as Sql, {
      id: batchId,
      jobId: job.id,
      provider: job.provider,
      chunkKey: `${job.id}_r${round}_c0`,
      round,
      customIds: pending.map((p) => p.custom_id),
      bytes: 2,
    }),
  );
  return batchId;
}

interface StoredRow {
  custom_id: string;
  status: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  cost_usd: string | null;
  sync_cost_usd: string | null;
  price_version: string | null;
}

async function storedResults(job: JobRow): Promise<Record<string, Omit<StoredRow, 'custom_id'>>> {
  const rows = await db.sql<StoredRow[]>`
    select custom_id, status, input_tokens, output_tokens, cached_tokens, cost_usd::text, sync_cost_usd::text,
           price_version
    from results where job_id = ${job.id}`;
  return Object.fromEntries(rows.map(({ custom_id, ...row }) => [custom_id.slice(job.id.length + 1), row]));
}

async function jobTotals(job: JobRow) {
  const [row] = await db.sql<{ cost: string | null; sync: string | null; results: number }[]>`
    select sum(cost_usd)::text as cost, sum(sync_cost_usd)::text as sync, count(*)::int as results
    from results where job_id = ${job.id}`;
  return row!;
}

async function spent(job: JobRow) {
  return db.sql<{ custom_id: string; state: string; input: number; output: number; cached: number }[]>`
    select custom_id, state, spent_input_tokens as input, spent_output_tokens as output,
           spent_cached_tokens as cached
    from inputs where job_id = ${job.id} order by seq`;
}

describe('every result priced exactly once', () => {
  it('prices the tokens of every attempt, and a slice applied twice (a fetch retried after a crash) changes nothing', async () => {
    const job = await jobWithInputs(['a', 'b', 'c']);
    const id = (name: string) => `${job.id}-${name}`;
    const first = await sendPending(job, 0);
    const slice: IncomingResult[] = [
      { customId: id('a'), status: 'succeeded', output: { text: 'A' }, usage: usage(1000, 100, 200) },
      {
        customId: id('b'),
        status: 'failed',
        error: { type: 'invalid_output', code: 'schema_mismatch', message: 'not JSON', retryable: true },
        usage: usage(400, 50),
      },
      {
        customId: id('c'),
        status: 'failed',
        error: { type: 'content_filtered', code: 'content_filter', message: 'filtered', retryable: false },
        usage: null,
      },
    ];
    expect(await applyResults(db.sql, job, first, slice, price)).toEqual({
      succeeded: 1,
      failed: 1,
      retrying: 1,
      ignored: 0,
    });
    expect(await applyResults(db.sql, job, first, slice, price)).toEqual({
      succeeded: 0,
      failed: 0,
      retrying: 0,
      ignored: 3,
    });
    const retry = await sendPending(job, 1);
    const second: IncomingResult[] = [
      { customId: id('b'), status: 'succeeded', output: { text: 'B' }, usage: usage(400, 60, 100) },
    ];
    expect((await applyResults(db.sql, job, retry, second, price)).succeeded).toBe(1);
    expect((await applyResults(db.sql, job, retry, second, price)).ignored).toBe(1);

    // a: 800 x 0.15 + 200 x 0.075 + 100 x 0.60 = 195 micro-dollars synchronously, half in a batch.
    // b: both attempts, 800 prompt tokens (100 cached) and 110 output: 700 x 0.15 + 100 x 0.075 + 110 x 0.60 = 178.5.
    // c: no tokens reported: priced at zero, with the table's version (not unpriced).
    expect(await storedResults(job)).toEqual({
      a: {
        status: 'succeeded',
        input_tokens: 1000,
        output_tokens: 100,
        cached_tokens: 200,
        cost_usd: '0.000097500000',
        sync_cost_usd: '0.000195000000',
        price_version: VERSION,
      },
      b: {
        status: 'succeeded',
        input_tokens: 800,
        output_tokens: 110,
        cached_tokens: 100,
        cost_usd: '0.000089250000',
        sync_cost_usd: '0.000178500000',
        price_version: VERSION,
      },
      c: {
        status: 'failed',
        input_tokens: null,
        output_tokens: null,
        cached_tokens: null,
        cost_usd: '0.000000000000',
        sync_cost_usd: '0.000000000000',
        price_version: VERSION,
      },
    });
    expect(await jobTotals(job)).toEqual({ cost: '0.000186750000', sync: '0.000373500000', results: 3 });
    expect((await spent(job)).map(({ input, output, cached }) => [input, output, cached])).toEqual([
      [1000, 100, 200],
      [800, 110, 100],
      [0, 0, 0],
    ]);
  });

  it('leaves no result and no cost when the transaction dies mid-write, and the retry writes them once', async () => {
    const job = await jobWithInputs(['d', 'e']);
    const batchId = await sendPending(job, 0);
    const slice: IncomingResult[] = [
      { customId: `${job.id}-d`, status: 'succeeded', output: { text: 'D' }, usage: usage(2000, 300) },
      { customId: `${job.id}-e`, status: 'succeeded', output: { text: 'E' }, usage: usage(1000, 0, 1000) },
    ];
    const crash = new Error('the worker died before the commit');
    await expect(
      db.sql.begin(async (tx) => {
        await applyResultsIn(tx as unknown as Sql, job, batchId, slice, price);
        throw crash;
      }),
    ).rejects.toBe(crash);
    expect(await jobTotals(job)).toEqual({ cost: null, sync: null, results: 0 });
    expect((await spent(job)).map((r) => [r.state, r.input, r.output])).toEqual([
      ['submitted', 0, 0],
      ['submitted', 0, 0],
    ]);

    expect((await applyResults(db.sql, job, batchId, slice, price)).succeeded).toBe(2);
    expect((await applyResults(db.sql, job, batchId, slice, price)).ignored).toBe(2);
    // d: 2000 x 0.15 + 300 x 0.60 = 480 micro-dollars; e: 1000 cached x 0.075 = 75.
    expect(await jobTotals(job)).toEqual({ cost: '0.000277500000', sync: '0.000555000000', results: 2 });
  });

  it('keeps what earlier attempts cost when a cancel fails an input waiting to be sent again', async () => {
    const job = await jobWithInputs(['f']);
    const batchId = await sendPending(job, 0);
    await applyResults(
      db.sql,
      job,
      batchId,
      [
        {
          customId: `${job.id}-f`,
          status: 'failed',
          error: { type: 'invalid_output', code: 'schema_mismatch', message: 'not JSON', retryable: true },
          usage: usage(400, 50),
        },
      ],
      price,
    );
    expect((await spent(job))[0]?.state).toBe('pending');
    const outcome = await requestCancel(db.sql, job.id, 'user', () => price);
    expect(outcome.kind).toBe('cancelling');
    // 400 x 0.15 + 50 x 0.60 = 90 micro-dollars, from the attempt before the cancel.
    expect((await storedResults(job)).f).toMatchObject({
      status: 'failed',
      input_tokens: 400,
      output_tokens: 50,
      cost_usd: '0.000045000000',
      sync_cost_usd: '0.000090000000',
      price_version: VERSION,
    });
  });

  it('stores the tokens of a model with no price, and no cost at all: never a zero', async () => {
    const job = await jobWithInputs(['g'], 'a-model-with-no-price');
    const batchId = await sendPending(job, 0);
    await applyResults(
      db.sql,
      job,
      batchId,
      [{ customId: `${job.id}-g`, status: 'succeeded', output: { text: 'G' }, usage: usage(100, 10) }],
      unpriced,
    );
    expect((await storedResults(job)).g).toEqual({
      status: 'succeeded',
      input_tokens: 100,
      output_tokens: 10,
      cached_tokens: 0,
      cost_usd: null,
      sync_cost_usd: null,
      price_version: null,
    });
  });
  it('carries the spend of a billed failure into the result of the replay that replaces it', async () => {
    const run = `replay-${randomUUID().slice(0, 8)}`;
    const first = await jobWithInputs(['h'], 'gpt-4o-mini', run);
    const invalid = {
      type: 'invalid_output',
      code: 'schema_mismatch',
      message: 'not JSON',
      retryable: false,
    };
    await applyResults(
      db.sql,
      first,
      await sendPending(first, 0),
      [{ customId: `${run}-h`, status: 'failed', error: invalid, usage: usage(100, 10) }],
      price,
    );
    const replay = await jobWithInputs(['h'], 'gpt-4o-mini', run);
    await applyResults(
      db.sql,
      replay,
      await sendPending(replay, 0),
      [{ customId: `${run}-h`, status: 'succeeded', output: { text: 'H' }, usage: usage(200, 20) }],
      price,
    );
    const [row] = await db.sql<(StoredRow & { job_id: string })[]>`
      select job_id, status, input_tokens, output_tokens, cost_usd::text, sync_cost_usd::text, price_version
      from results where custom_id = ${`${run}-h`}`;
    // 300 input and 30 output tokens over both jobs: (300 x 0.15 + 30 x 0.60) = 63 micro-dollars, half in a batch.
    expect(row).toEqual({
      job_id: replay.id,
      status: 'succeeded',
      input_tokens: 300,
      output_tokens: 30,
      cost_usd: '0.000031500000',
      sync_cost_usd: '0.000063000000',
      price_version: VERSION,
    });
  });
  it('adds the spend of a second success of the same request to the first, which it leaves as it was', async () => {
    const run = `twice-${randomUUID().slice(0, 8)}`;
    // A replay submitted while the first job still runs sends the request again: both succeed, both are billed.
    const first = await jobWithInputs(['k'], 'gpt-4o-mini', run);
    const second = await jobWithInputs(['k'], 'gpt-4o-mini', run);
    const firstBatch = await sendPending(first, 0);
    const secondBatch = await sendPending(second, 0);
    const answer = (text: string, tokens: number): IncomingResult[] => [
      { customId: `${run}-k`, status: 'succeeded', output: { text }, usage: usage(tokens, tokens / 10) },
    ];
    await applyResults(db.sql, first, firstBatch, answer('first', 100), price);
    await applyResults(db.sql, second, secondBatch, answer('second', 200), price);
    const [row] = await db.sql<(StoredRow & { job_id: string; output: unknown })[]>`
      select job_id, status, output, input_tokens, output_tokens, cost_usd::text, sync_cost_usd::text,
             price_version
      from results where custom_id = ${`${run}-k`}`;
    expect(row).toEqual({
      job_id: first.id,
      status: 'succeeded',
      output: { text: 'first' },
      input_tokens: 300,
      output_tokens: 30,
      cost_usd: '0.000031500000',
      sync_cost_usd: '0.000063000000',
      price_version: VERSION,
    });
  });
  it('keeps result_totals and result_hours equal to what the results add up to, through every write above', async () => {
    const columns = db.sql`
      project, provider, model, status, results::int, unpriced_results::int, input_tokens::int,
      output_tokens::int, cached_tokens::int, cache_write_tokens::int, cost_usd::text, sync_cost_usd::text`;
    const kept = await db.sql`select ${columns} from result_totals order by project, provider, model, status`;
    const summed = await db.sql`
      select ${columns} from (
        select j.project, j.provider, j.model, r.status, count(*) as results,
               count(*) filter (where r.price_version is null) as unpriced_results,
               coalesce(sum(r.input_tokens), 0) as input_tokens, coalesce(sum(r.output_tokens), 0) as output_tokens,
               coalesce(sum(r.cached_tokens), 0) as cached_tokens,
               coalesce(sum(r.cache_write_tokens), 0) as cache_write_tokens,
               coalesce(sum(r.cost_usd), 0)::numeric(30, 12) as cost_usd,
               coalesce(sum(r.sync_cost_usd), 0)::numeric(30, 12) as sync_cost_usd
        from results r join jobs j on j.id = r.job_id
        group by j.project, j.provider, j.model, r.status) s
      order by project, provider, model, status`;
    expect(summed.length).toBeGreaterThan(1);
    expect(kept).toEqual(summed);

    // The same, hour by hour and job by job (a result that moved to a replay's job leaves a row of zeros behind).
    const hourColumns = db.sql`
      hour, job_id, status, results::int, unpriced_results::int, input_tokens::int, cost_usd::text`;
    const hours = await db.sql`
      select ${hourColumns} from result_hours where results <> 0 order by hour, job_id, status`;
    const byHour = await db.sql`
      select ${hourColumns} from (
        select date_trunc('hour', created_at, 'UTC') as hour, job_id, status, count(*) as results,
               count(*) filter (where price_version is null) as unpriced_results,
               coalesce(sum(input_tokens), 0) as input_tokens, coalesce(sum(cost_usd), 0)::numeric(30, 12) as cost_usd
        from results group by 1, 2, 3) s
      order by hour, job_id, status`;
    expect(hours).toEqual(byHour);
  });
});

describe('embeddings', () => {
  it('stores a vector as its float32 bytes, 4 a value, and reads it back as the same numbers', async () => {
    const job = await jobWithInputs(['v', 'w', 'x']);
    const batch = await sendPending(job, 0);
    const vector = Float32Array.from({ length: 1536 }, (_, i) => Math.sin(i + 1) / 40);
    const short = Array.from({ length: 256 }, (_, i) => Math.fround(Math.cos(i) / 16));
    await applyResults(
      db.sql,
      job,
      batch,
      [
        { customId: `${job.id}-v`, status: 'succeeded', output: { embedding: vector }, usage: usage(10, 0) },
        { customId: `${job.id}-w`, status: 'succeeded', output: { embedding: short }, usage: usage(5, 0) },
        {
          customId: `${job.id}-x`,
          status: 'succeeded',
          output: { text: 'not a vector' },
          usage: usage(5, 1),
        },
      ],
      price,
    );
    const stored = await db.sql<{ custom_id: string; output: unknown; bytes: number | null }[]>`
      select custom_id, output, pg_column_size(embedding) as bytes from results where job_id = ${job.id}
      order by custom_id`;
    expect(stored.map((r) => [r.custom_id.slice(-1), r.output, r.bytes])).toEqual([
      ['v', null, 1536 * 4],
      // Under the TOAST threshold the value stays in the row, with its 4-byte header.
      ['w', null, 256 * 4 + 4],
      ['x', { text: 'not a vector' }, null],
    ]);

    const lines = [];
    for await (const page of jobResultsCursor(db.sql, job.id)) lines.push(...page);
    const outputs = lines.map((line) => joinEmbedding(line.output, line.embedding));
    expect(outputs).toEqual([
      { embedding: Array.from(vector) },
      { embedding: short },
      { text: 'not a vector' },
    ]);
  });
});

describe('deleting a job', () => {
  it('deletes its inputs and results with it, and no other job’s (the foreign keys’ cascade, kept by a trigger)', async () => {
    const gone = await jobWithInputs(['a', 'b']);
    const kept = await jobWithInputs(['a', 'b']);
    for (const job of [gone, kept]) {
      const batch = await sendPending(job, 0);
      await applyResults(
        db.sql,
        job,
        batch,
        [{ customId: `${job.id}-a`, status: 'succeeded', output: { text: 'A' }, usage: usage(10, 1) }],
        price,
      );
    }
    const counts = async (job: JobRow) => {
      const [row] = await db.sql<{ inputs: number; results: number }[]>`
        select (select count(*)::int from inputs where job_id = ${job.id}) as inputs,
               (select count(*)::int from results where job_id = ${job.id}) as results`;
      return row;
    };
    expect(await counts(gone)).toEqual({ inputs: 2, results: 1 });

    await db.sql`delete from jobs where id = ${gone.id}`;

    expect(await counts(gone)).toEqual({ inputs: 0, results: 0 });
    expect(await counts(kept)).toEqual({ inputs: 2, results: 1 });
  });
});
