import type { BatchFailureReason, BatchOutcome, NormalizedResult, Usage } from '@tranche/adapters';
import { type BatchRow, getBatch, getJob, type JobRow, reconcile } from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { DelayedError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import type { WorkerContext } from '../context';
import { BLOCKED_KEY, WAITS_KEY } from '../keep-trying';
import {
  emulatedWorker,
  endedTestBatch,
  inputLines,
  insertTestJob,
  recordEnded,
  ScriptedAdapter,
  submittedTestBatch,
  type TestJobOptions,
  withAdapters,
} from '../test-support';
import { persistentProcessors } from '../worker';
import { processFetch } from './fetch';

const FETCH_SLICE = 2;

const h = emulatedWorker({ env: { FETCH_SLICE: String(FETCH_SLICE) } });

/** Structured output the emulator cannot satisfy: it fills strings with "string" and does not honour `pattern`. */
const DIGITS_ONLY = {
  name: 'code',
  schema: {
    type: 'object',
    properties: { code: { type: 'string', pattern: '^[0-9]+$' } },
    required: ['code'],
    additionalProperties: false,
  },
};

const usage: Usage = { inputTokens: 12, outputTokens: 5, cachedTokens: 0, cacheWriteTokens: 0, raw: {} };

/** A job whose inputs went out in one batch to the emulator, which has ended it and is recorded as ended. */
async function endedAtEmulator(options: TestJobOptions = {}) {
  const { job, customIds } = await insertTestJob(h.sql, options);
  return { job, customIds, batch: await endedTestBatch(h.sql, h.openai, job) };
}

/** A job whose inputs are in one batch a scripted provider says ended as told, returning the lines given. */
async function endedAtScriptedProvider(
  ended: { outcome: BatchOutcome; failures?: BatchFailureReason[] },
  lines: (customIds: string[]) => NormalizedResult[],
  options: TestJobOptions = {},
) {
  const { job, customIds } = await insertTestJob(h.sql, options);
  const submitted = await submittedTestBatch(h.sql, job, `scripted_${job.id}`);
  const batch = await recordEnded(h.sql, submitted.id, {
    phase: 'ended',
    outcome: ended.outcome,
    providerStatus: ended.outcome,
    counts: { total: customIds.length, completed: 0, failed: 0 },
    ...(ended.failures ? { failures: ended.failures } : {}),
  });
  const provider = new ScriptedAdapter();
  provider.results = lines(customIds);
  return { job, customIds, batch, provider, ctx: withAdapters(h.ctx, { openai: provider }) };
}

/** Takes the batch's fetch job off the queue as a worker would and runs the processor on it. */
async function fetchBatch(batch: BatchRow, ctx: WorkerContext = h.ctx) {
  await h.queues.enqueueFetch(batch.id);
  const taken = await h.take('fetch');
  await processFetch(ctx, taken.job);
  await h.complete(taken);
}

const succeeded = (customId: string, text: string): NormalizedResult => ({
  customId,
  status: 'succeeded',
  output: { text, finishReason: 'stop' },
  usage,
});

const nextRoundState = (job: JobRow) => h.queues.submit.getJobState(jobIds.submit(job.id, 1));

describe('processFetch', () => {
  it('stores the results a slice at a time, and sums what each slice did', async () => {
    const { job, batch } = await endedAtEmulator({ prompts: ['a?', 'b?', 'c?', 'd?', 'e?'] });
    // How many results were stored each time the processor asked for the next line.
    const storedBeforeLine: number[] = [];
    const read = h.openai.fetchResults.bind(h.openai);
    vi.spyOn(h.openai, 'fetchResults').mockImplementation(async function* (ref, context) {
      for await (const result of read(ref, context)) {
        storedBeforeLine.push((await reconcile(h.sql, job)).succeeded);
        yield result;
      }
    });

    await fetchBatch(batch);

    expect(storedBeforeLine).toEqual([0, 0, 2, 2, 4]);
    expect((await reconcile(h.sql, job)).succeeded).toBe(5);
    const [stored] = h.logs.withMessage('batch results stored').filter((l) => l.batchId === batch.id);
    expect(stored).toMatchObject({ succeeded: 5, failed: 0, retrying: 0, ignored: 0 });
    expect(await getBatch(h.sql, batch.id)).toMatchObject({ state: 'fetched' });
    expect((await getJob(h.sql, job.id))?.status).toBe('completed');
  });

  it('fails an output that does not match the schema as invalid_output, keeping what it cost', async () => {
    const { job, customIds, batch } = await endedAtEmulator({
      prompts: ['Read the code.'],
      spec: { output: DIGITS_ONLY },
      maxAttempts: 1,
    });

    await fetchBatch(batch);

    const line = (await inputLines(h.sql, job.id)).get(customIds[0]!);
    expect(line).toMatchObject({
      state: 'failed',
      status: 'failed',
      output: null,
      error: {
        type: 'invalid_output',
        code: 'schema_mismatch',
        message: 'the output does not match the schema: /code must match pattern "^[0-9]+$"',
        retryable: true,
      },
    });
    expect(line?.input_tokens).toBeGreaterThan(0);
    expect(line?.output_tokens).toBeGreaterThan(0);
    expect(line?.cost_usd).not.toBeNull();
    expect((await getJob(h.sql, job.id))?.status).toBe('failed');
  });

  it('parses a structured output given as text, and fails one that is not JSON as invalid_output', async () => {
    const { job, customIds, batch, ctx } = await endedAtScriptedProvider(
      { outcome: 'completed' },
      ([json, prose]) => [succeeded(json!, '{"code":"42"}'), succeeded(prose!, 'The code is 42.')],
      { prompts: ['json?', 'prose?'], spec: { output: DIGITS_ONLY }, maxAttempts: 1 },
    );

    await fetchBatch(batch, ctx);

    const lines = await inputLines(h.sql, job.id);
    expect(lines.get(customIds[0]!)).toMatchObject({
      status: 'succeeded',
      output: { text: '{"code":"42"}', json: { code: '42' } },
    });
    expect(lines.get(customIds[1]!)).toMatchObject({
      status: 'failed',
      input_tokens: 12,
      output_tokens: 5,
      error: { type: 'invalid_output', code: 'schema_mismatch', retryable: true },
    });
    expect(lines.get(customIds[1]!)?.error?.message).toBe('the output is not valid JSON');
  });

  it('stores, unchecked, the JSON answers of a job whose schema pattern cannot run in linear time', async () => {
    // Accepted before patterns had to run on RE2 (intake now refuses a backreference): the answers are kept.
    const backreference = {
      name: 'pair',
      schema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a)\\1$' } } },
    };
    const { job, customIds, batch, ctx } = await endedAtScriptedProvider(
      { outcome: 'completed' },
      ([only]) => [succeeded(only!, '{"code":"zz"}')],
      { prompts: ['pair?'], spec: { output: backreference }, maxAttempts: 1 },
    );

    await fetchBatch(batch, ctx);

    expect((await inputLines(h.sql, job.id)).get(customIds[0]!)).toMatchObject({
      status: 'succeeded',
      output: { json: { code: 'zz' } },
    });
    const warned = h.logs.withMessage(
      'the output schema has a pattern that cannot run in linear time: outputs are stored as JSON, unchecked',
    );
    expect(warned.map((line) => line.where)).toEqual(['properties.code.pattern']);
  });

  it('sends retryable failures again in the next round and leaves the job running', async () => {
    const { job, customIds, batch, ctx } = await endedAtScriptedProvider(
      { outcome: 'completed' },
      ([first, second]) => [
        succeeded(first!, 'fine'),
        // The provider's server failed the second request; the third got no line at all.
        {
          customId: second!,
          status: 'failed',
          usage: null,
          error: { type: 'server_error', code: '500', message: 'boom', retryable: true },
        },
      ],
    );

    await fetchBatch(batch, ctx);

    const lines = await inputLines(h.sql, job.id);
    expect(lines.get(customIds[0]!)).toMatchObject({ state: 'succeeded' });
    expect(lines.get(customIds[1]!)).toMatchObject({
      state: 'pending',
      status: null,
      last_error: { type: 'server_error' },
    });
    expect(lines.get(customIds[2]!)).toMatchObject({
      state: 'pending',
      last_error: { type: 'unknown', code: 'missing_result', retryable: true },
    });
    expect(await nextRoundState(job)).toBe('delayed');
    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'queued', finished_at: null });
    expect(await getBatch(h.sql, batch.id)).toMatchObject({ state: 'fetched' });
  });

  it.each([
    ['expired', 'pending', { type: 'expired', code: 'batch_expired', retryable: true }],
    ['cancelled', 'failed', { type: 'cancelled', code: 'batch_cancelled', retryable: false }],
    ['completed', 'pending', { type: 'unknown', code: 'missing_result', retryable: true }],
  ] as const)('settles the unanswered inputs of a batch that %s', async (outcome, state, error) => {
    const { job, customIds, batch, ctx } = await endedAtScriptedProvider({ outcome }, ([first]) => [
      succeeded(first!, 'fine'),
    ]);

    await fetchBatch(batch, ctx);

    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds.slice(1)) {
      expect(lines.get(id)).toMatchObject({ state, last_error: error });
    }
  });

  it('finishes the job once nothing is left to send, and queues no next round', async () => {
    const { job, batch, ctx } = await endedAtScriptedProvider({ outcome: 'cancelled' }, ([first]) => [
      succeeded(first!, 'fine'),
    ]);

    await fetchBatch(batch, ctx);

    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'completed_with_failures' });
    expect(await nextRoundState(job)).toBe('unknown');
    expect(h.logs.withMessage('job finished').filter((l) => l.jobId === job.id)).toHaveLength(1);
  });

  it('fails the lines a failed batch blames for good and sends the innocent rest again', async () => {
    const { job, customIds, batch, ctx } = await endedAtScriptedProvider(
      { outcome: 'failed', failures: [{ code: 'mixed_models', message: 'line 2 differs', line: 2 }] },
      () => [],
    );

    await fetchBatch(batch, ctx);

    const lines = await inputLines(h.sql, job.id);
    expect(lines.get(customIds[1]!)).toMatchObject({
      state: 'failed',
      error: { type: 'invalid_request', code: 'mixed_models', message: 'line 2 differs', retryable: false },
    });
    for (const id of [customIds[0]!, customIds[2]!]) {
      expect(lines.get(id)).toMatchObject({
        state: 'pending',
        last_error: { type: 'unknown', code: 'batch_failed' },
      });
    }
    expect(await nextRoundState(job)).toBe('delayed');
  });

  it('fails every input of a batch the provider failed without blaming a line', async () => {
    h.emulator.setFaults({ fail_validation: { times: 1 } });
    const { job, customIds, batch } = await endedAtEmulator();

    await fetchBatch(batch);

    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds) {
      expect(lines.get(id)).toMatchObject({
        state: 'failed',
        error: {
          type: 'invalid_request',
          code: 'batch_failed',
          message: 'validation_failed: The input file failed validation (injected fault).',
          retryable: false,
        },
      });
    }
    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'failed' });
    expect(await nextRoundState(job)).toBe('unknown');
  });

  it('sends a batch that has not ended back to poll, asking the provider nothing', async () => {
    const { job } = await insertTestJob(h.sql);
    const submitted = await submittedTestBatch(h.sql, job, `scripted_${job.id}`);
    const provider = new ScriptedAdapter();

    await fetchBatch(submitted, withAdapters(h.ctx, { openai: provider }));

    expect(provider.calls).toEqual([]);
    expect(await h.queues.poll.getJobState(jobIds.poll(submitted.id))).toBe('waiting');
    expect(await getBatch(h.sql, submitted.id)).toMatchObject({ state: 'submitted' });
  });

  it('reads nothing again for a batch already fetched', async () => {
    const { batch, ctx, provider } = await endedAtScriptedProvider({ outcome: 'completed' }, (ids) =>
      ids.map((id) => succeeded(id, 'fine')),
    );
    await fetchBatch(batch, ctx);
    expect(provider.callsTo('fetchResults')).toHaveLength(1);

    await fetchBatch(batch, ctx);

    expect(provider.callsTo('fetchResults')).toHaveLength(1);
  });
});

describe('processFetch as the worker runs it (keepTrying)', () => {
  // A database and queues for each test: these take whatever fetch job is due.
  const h = emulatedWorker({ env: { FETCH_SLICE: String(FETCH_SLICE) }, harnessPerTest: true });
  const endedAtEmulator = async () => {
    const { job, customIds } = await insertTestJob(h.sql);
    return { job, customIds, batch: await endedTestBatch(h.sql, h.openai, job) };
  };
  const nextRoundState = (job: JobRow) => h.queues.submit.getJobState(jobIds.submit(job.id, 1));
  const resultFiles = { provider: 'openai', method: 'GET', path: '^/(v1/)?files/' };

  it('waits out a provider that cannot hand the results over now (503), then stores them', async () => {
    const { job, customIds, batch } = await endedAtEmulator();
    h.emulator.setFaults({ http: [{ ...resultFiles, status: 503, retry_after_ms: 1 }] });
    const fetch = persistentProcessors(h.ctx).fetch;
    await h.queues.enqueueFetch(batch.id);

    for (let wait = 1; wait <= 2; wait++) {
      const taken = await h.take('fetch');
      await expect(fetch(taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);
      const sleeping = (await h.queues.fetch.getJob(taken.job.id!))!;
      expect(await sleeping.getState()).toBe('delayed');
      expect(sleeping.attemptsMade).toBe(0);
      expect(sleeping.data).toEqual({ batchId: batch.id, [WAITS_KEY]: wait, [BLOCKED_KEY]: true });
      await sleeping.promote();
    }
    expect((await getJob(h.sql, job.id))?.blocked_reason).toMatch(/^fetching results: openai 503: /);
    for (const line of (await inputLines(h.sql, job.id)).values()) expect(line.state).toBe('submitted');

    h.emulator.setFaults({ http: null });
    const taken = await h.take('fetch');
    await fetch(taken.job, taken.token);
    await h.complete(taken);

    const lines = await inputLines(h.sql, job.id);
    expect(customIds.map((id) => lines.get(id)?.state)).toEqual(customIds.map(() => 'succeeded'));
    expect(await getJob(h.sql, job.id)).toMatchObject({
      status: 'completed',
      blocked_reason: null,
      blocked_since: null,
    });
  });

  it('settles once a batch whose results the provider lost (404): its inputs fail with the reason and go out again', async () => {
    const { job, customIds, batch } = await endedAtEmulator();
    h.emulator.setFaults({ http: [{ ...resultFiles, status: 404, times: 1 }] });
    const fetch = persistentProcessors(h.ctx).fetch;
    await h.queues.enqueueFetch(batch.id);
    const taken = await h.take('fetch');

    await fetch(taken.job, taken.token);
    await h.complete(taken);

    expect(await getBatch(h.sql, batch.id)).toMatchObject({ state: 'fetched' });
    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds) {
      expect(lines.get(id)).toMatchObject({
        state: 'pending',
        last_error: { type: 'server_error', code: 'batch_not_found', retryable: true },
      });
    }
    expect(await nextRoundState(job)).toBe('delayed');
    expect(h.logs.withMessage('the provider lost the results of a batch')).toEqual([
      expect.objectContaining({ batchId: batch.id }),
    ]);
  });
});
