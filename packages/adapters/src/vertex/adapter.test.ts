import type { EmulatorHandle } from '@tranche/emulator';
import { countPromptTokens, countTokens, echoText } from '@tranche/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderCallError } from '../errors';
import type { BatchContext, NormalizedResult } from '../types';
import type { VertexAdapter } from './adapter';
import {
  BUCKET,
  chat,
  collect,
  openVertex,
  pollUntilEnded,
  setVertexOptions,
  submitRequests,
} from './test-support';

let emu: EmulatorHandle;
let adapter: VertexAdapter;
let dir: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ emu, adapter, dir, close } = await openVertex());
});
afterAll(async () => {
  await close();
});
beforeEach(() => {
  emu.resetAll();
});

const context: BatchContext = { jobId: 'job-1', model: 'gemini-2.5-flash', kind: 'chat' };

function byId(results: NormalizedResult[]) {
  return new Map(results.map((result) => [result.customId, result]));
}

async function listBucket(prefix: string): Promise<string[]> {
  const response = await fetch(
    `${emu.url}/gcs/storage/v1/b/${BUCKET}/o?prefix=${encodeURIComponent(prefix)}`,
  );
  const body = (await response.json()) as { items?: Array<{ name: string }> };
  return (body.items ?? []).map((item) => item.name);
}

describe('VertexAdapter against the emulator', () => {
  it('submits, polls through the states and fetches shuffled results with usage', async () => {
    const requests = Array.from(
      { length: 30 },
      (_, i) => [`req-${i}`, chat(`Question ${i}: ünïcødé 🎉?`)] as [string, ReturnType<typeof chat>],
    );
    emu.setFaults({ cached_fraction: 0.5 });
    const submitted = await submitRequests(adapter, dir, context, requests);
    expect(submitted.providerBatchId).toMatch(
      /^projects\/\d+\/locations\/us-central1\/batchPredictionJobs\/\d+$/,
    );
    expect(submitted.inputFileId).toBe(`gs://${BUCKET}/tranche/job-1/${submitted.chunkKey}/input.jsonl`);

    const phases: string[] = [];
    const ref = { providerBatchId: submitted.providerBatchId, inputFileId: submitted.inputFileId };
    const poll = await pollUntilEnded(adapter, ref, phases);
    expect(phases).toEqual(['validating', 'running', 'ended']);
    expect(poll).toMatchObject({
      outcome: 'completed',
      providerStatus: 'JOB_STATE_SUCCEEDED',
      counts: { total: 30, completed: 30, failed: 0 },
    });
    expect(poll.outputFileId).toMatch(
      new RegExp(`^gs://${BUCKET}/tranche/job-1/.+/output/prediction-model-`),
    );

    const results = await collect(adapter, { ...ref, outputFileId: poll.outputFileId }, context);
    expect(results).toHaveLength(30);
    expect(results.map((r) => r.customId)).not.toEqual(requests.map(([id]) => id));
    const one = byId(results).get('req-3')!;
    const messages = [
      { role: 'system', text: 'Be terse.' },
      { role: 'user', text: 'Question 3: ünïcødé 🎉?' },
    ];
    const text = echoText(messages);
    expect(one).toMatchObject({
      status: 'succeeded',
      output: { text, finishReason: 'STOP' },
      usage: {
        inputTokens: countPromptTokens(messages),
        outputTokens: countTokens(text),
        cachedTokens: Math.floor(countPromptTokens(messages) * 0.5),
      },
    });
    expect(one.usage?.raw).toHaveProperty('totalTokenCount');
    expect(emu.stats().vertex).toEqual({ batches: 1, requests: 30, bytes: submitted.bytes });

    // Without the output directory the adapter finds it through the job.
    expect(await collect(adapter, ref, context)).toHaveLength(30);

    await adapter.cleanup(ref);
    expect(await listBucket(`tranche/job-1/${submitted.chunkKey}/`)).toEqual([]);
  });

  it('reports per-request failures with the right retryable flags, under either partial-failure state', async () => {
    for (const state of ['JOB_STATE_SUCCEEDED', 'JOB_STATE_PARTIALLY_SUCCEEDED']) {
      emu.resetAll();
      await setVertexOptions(emu, { partial_failure_state: state });
      emu.setFaults({ request_errors: { provider: 'vertex', rate: 0.4, status: 429 } });
      const requests: Array<[string, ReturnType<typeof chat>]> = Array.from({ length: 20 }, (_, i) => [
        `e-${i}`,
        chat(`q${i}`),
      ]);
      requests.push(['bad', chat('x', { params: { max_tokens: 0 } })]);
      const submitted = await submitRequests(adapter, dir, context, requests);
      const poll = await pollUntilEnded(adapter, { providerBatchId: submitted.providerBatchId });
      expect(poll.providerStatus).toBe(state);
      expect(poll.outcome).toBe('completed');
      expect(poll.counts.total).toBe(21);
      expect(poll.counts.failed).toBeGreaterThan(1);

      const results = await collect(
        adapter,
        { providerBatchId: submitted.providerBatchId, outputFileId: poll.outputFileId },
        context,
      );
      expect(results).toHaveLength(21);
      const failed = results.filter((r) => r.status === 'failed');
      expect(failed).toHaveLength(poll.counts.failed);
      const bad = byId(results).get('bad');
      expect(bad).toMatchObject({
        status: 'failed',
        error: { type: 'invalid_request', code: 'INVALID_ARGUMENT', retryable: false },
      });
      for (const result of failed.filter((r) => r.customId !== 'bad')) {
        expect(result).toMatchObject({
          error: { type: 'rate_limited', code: 'RESOURCE_EXHAUSTED', retryable: true },
          usage: null,
        });
      }
    }
  });

  it('expires with partial results', async () => {
    emu.setFaults({ expire: { provider: 'vertex', fraction_completed: 0.5 } });
    const requests = Array.from(
      { length: 40 },
      (_, i) => [`x-${i}`, chat(`q${i}`)] as [string, ReturnType<typeof chat>],
    );
    const submitted = await submitRequests(adapter, dir, context, requests);
    const poll = await pollUntilEnded(adapter, { providerBatchId: submitted.providerBatchId });
    expect(poll).toMatchObject({ outcome: 'expired', counts: { total: 40, completed: 20, failed: 0 } });
    const results = await collect(
      adapter,
      { providerBatchId: submitted.providerBatchId, outputFileId: poll.outputFileId },
      context,
    );
    expect(results).toHaveLength(20);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('cancels mid-run with partial results, and cancelling an ended batch is not an error', async () => {
    emu.setFaults({ slow_factor: 5 });
    const requests = Array.from(
      { length: 100 },
      (_, i) => [`c-${i}`, chat(`q${i}`)] as [string, ReturnType<typeof chat>],
    );
    const submitted = await submitRequests(adapter, dir, context, requests);
    const ref = { providerBatchId: submitted.providerBatchId };
    for (;;) {
      const poll = await adapter.poll(ref);
      if (poll.phase === 'running' && poll.counts.completed > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await adapter.cancel(ref);
    await adapter.cancel(ref);
    const poll = await pollUntilEnded(adapter, ref);
    expect(poll.outcome).toBe('cancelled');
    expect(poll.counts.completed).toBeGreaterThan(0);
    expect(poll.counts.completed).toBeLessThan(100);
    expect(poll.counts.total).toBe(100);
    const results = await collect(adapter, { ...ref, outputFileId: poll.outputFileId }, context);
    expect(results).toHaveLength(poll.counts.completed);
    await adapter.cancel(ref);
  });

  it('absorbs 429 and 5xx on API calls with the SDK retries (one batch created)', async () => {
    emu.setFaults({
      http: [
        {
          provider: 'vertex',
          method: 'POST',
          path: '^/v1/projects/[^/]+/locations/[^/]+/batchPredictionJobs$',
          status: 429,
          times: 2,
        },
        { provider: 'vertex', method: 'GET', status: 503, times: 1 },
        { provider: 'gcs', method: 'PUT', status: 500, times: 1 },
        // A listing (retried by the storage SDK) and a download (retried by the adapter: the SDK does not).
        { provider: 'gcs', method: 'GET', path: '^/storage/v1/b/[^/]+/o$', status: 429, times: 1 },
        { provider: 'gcs', method: 'GET', path: '^/storage/v1/b/[^/]+/o/.+', status: 503, times: 2 },
      ],
    });
    const submitted = await submitRequests(adapter, dir, context, [['a', chat('hello')]]);
    const poll = await pollUntilEnded(adapter, { providerBatchId: submitted.providerBatchId });
    expect(poll.outcome).toBe('completed');
    const results = await collect(
      adapter,
      { providerBatchId: submitted.providerBatchId, outputFileId: poll.outputFileId },
      context,
    );
    expect(results.map((r) => r.customId)).toEqual(['a']);
    expect(emu.stats().vertex).toMatchObject({ batches: 1, requests: 1 });
    const faults = (await (await fetch(`${emu.url}/_emulator/faults`)).json()) as { http: unknown[] };
    expect(faults.http).toEqual([]);
  });

  it('throws classified errors when retries run out or the request is wrong', async () => {
    emu.setFaults({ http: [{ provider: 'vertex', method: 'GET', status: 503, times: 10 }] });
    const error = await adapter
      .poll({ providerBatchId: 'projects/1/locations/us-central1/batchPredictionJobs/1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    emu.setFaults({});
    const missing = await adapter
      .poll({ providerBatchId: 'projects/1/locations/us-central1/batchPredictionJobs/1' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, retryable: false });
  });

  it('findExisting adopts the batch created for a chunk key, never a known one', async () => {
    const submitted = await submitRequests(adapter, dir, context, [['a', chat('hi')]], 'job-1_r0_c7');
    await submitRequests(adapter, dir, context, [['b', chat('hi')]], 'job-1_r0_c8');
    const query = {
      chunkKey: 'job-1_r0_c7',
      createdAfter: new Date(Date.now() - 60_000),
      requestCount: 1,
      knownBatchIds: new Set<string>(),
    };
    expect(await adapter.findExisting(query)).toEqual({
      providerBatchId: submitted.providerBatchId,
      inputFileId: submitted.inputFileId,
    });
    expect(
      await adapter.findExisting({ ...query, knownBatchIds: new Set([submitted.providerBatchId]) }),
    ).toBeNull();
    expect(await adapter.findExisting({ ...query, chunkKey: 'job-1_r0_c9' })).toBeNull();
    expect(
      await adapter.findExisting({ ...query, createdAfter: new Date(Date.now() + 3_600_000) }),
    ).toBeNull();
  });

  it('returns structured output as JSON, and invalid JSON as a retryable invalid_output with usage', async () => {
    const withSchema: BatchContext = {
      ...context,
      output: {
        name: 'answer',
        schema: {
          type: 'object',
          properties: { city: { type: 'string' }, rank: { type: 'integer', minimum: 1 } },
          required: ['city', 'rank'],
          additionalProperties: false,
        },
      },
    };
    emu.setFaults({ invalid_json_rate: 0.5 });
    const requests = Array.from(
      { length: 20 },
      (_, i) => [`s-${i}`, chat(`q${i}`)] as [string, ReturnType<typeof chat>],
    );
    const submitted = await submitRequests(adapter, dir, withSchema, requests);
    const poll = await pollUntilEnded(adapter, { providerBatchId: submitted.providerBatchId });
    const results = await collect(
      adapter,
      { providerBatchId: submitted.providerBatchId, outputFileId: poll.outputFileId },
      withSchema,
    );
    const valid = results.filter((r) => r.status === 'succeeded');
    const invalid = results.filter((r) => r.status === 'failed');
    expect(valid.length).toBeGreaterThan(0);
    expect(invalid.length).toBeGreaterThan(0);
    for (const result of valid)
      expect(result).toMatchObject({ output: { json: { city: 'string', rank: 1 } } });
    for (const result of invalid) {
      expect(result).toMatchObject({ error: { type: 'invalid_output', retryable: true } });
      expect(result.usage?.inputTokens).toBeGreaterThan(0);
    }
  });

  it('runs embedding batches', async () => {
    const embedding: BatchContext = { jobId: 'job-e', model: 'text-embedding-005', kind: 'embedding' };
    const submitted = await submitRequests(adapter, dir, embedding, [
      ['e-1', { text: 'hello world' }],
      ['Ü/2 🎉', { text: 'ünïcødé 🎉' }],
    ]);
    const poll = await pollUntilEnded(adapter, { providerBatchId: submitted.providerBatchId });
    const results = byId(
      await collect(
        adapter,
        { providerBatchId: submitted.providerBatchId, outputFileId: poll.outputFileId },
        embedding,
      ),
    );
    expect(results.get('e-1')).toMatchObject({
      status: 'succeeded',
      usage: { inputTokens: countTokens('hello world'), outputTokens: 0 },
    });
    const vector = (results.get('Ü/2 🎉') as { output: { embedding: number[] } }).output.embedding;
    expect(vector).toHaveLength(8);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
  });

  it('carries a 1 MB request and custom ids labels cannot hold, unicode both ways', async () => {
    const big = `${'🎉ünï'.repeat(40)}${'x'.repeat(1024 * 1024)}`;
    const ids = ['Big/ONE', 'ünïcødé id 🎉 with spaces and a long tail '.repeat(4)];
    const submitted = await submitRequests(adapter, dir, context, [
      [ids[0]!, chat(big)],
      [ids[1]!, chat('short 🎉')],
    ]);
    expect(submitted.bytes).toBeGreaterThan(1024 * 1024);
    const poll = await pollUntilEnded(adapter, { providerBatchId: submitted.providerBatchId });
    expect(poll.counts.completed).toBe(2);
    const results = byId(
      await collect(
        adapter,
        { providerBatchId: submitted.providerBatchId, outputFileId: poll.outputFileId },
        context,
      ),
    );
    expect([...results.keys()].sort()).toEqual([...ids].sort());
    const text = (results.get(ids[0]!) as { output: { text: string } }).output.text;
    expect(text).toBe(
      echoText([
        { role: 'system', text: 'Be terse.' },
        { role: 'user', text: big },
      ]),
    );
    expect(text).toContain('🎉ünï');
  });

  it('reads every shard of a sharded output', async () => {
    await setVertexOptions(emu, { shard_lines: 7 });
    const requests = Array.from(
      { length: 25 },
      (_, i) => [`sh-${i}`, chat(`q${i}`)] as [string, ReturnType<typeof chat>],
    );
    const submitted = await submitRequests(adapter, dir, context, requests);
    const poll = await pollUntilEnded(adapter, { providerBatchId: submitted.providerBatchId });
    const results = await collect(
      adapter,
      { providerBatchId: submitted.providerBatchId, outputFileId: poll.outputFileId },
      context,
    );
    expect(new Set(results.map((r) => r.customId)).size).toBe(25);
  });
});
