import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  countPromptTokens,
  countTokens,
  createMistralProvider,
  type EmulatorHandle,
  echoText,
  type FaultInput,
  startEmulator,
} from '@tranche/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderCallError } from '../errors';
import type { BatchContext, BatchRef, NormalizedResult, PollResult, UnifiedRequest } from '../types';
import { MistralAdapter, type MistralAdapterOptions } from './adapter';

let emu: EmulatorHandle;
let adapter: MistralAdapter;
let dir: string;
let serverURL: string;

const FAST_RETRY = { initialIntervalMs: 5, maxIntervalMs: 50, exponent: 1.5, maxElapsedMs: 10_000 };
const newAdapter = (options: Partial<MistralAdapterOptions> = {}) =>
  new MistralAdapter({ apiKey: 'test', serverURL, retry: FAST_RETRY, ...options });

beforeAll(async () => {
  emu = await startEmulator({ port: 0, stepMs: 50, seed: 5, providers: [createMistralProvider] });
  serverURL = `${emu.url}/mistral`;
  adapter = newAdapter();
  dir = await mkdtemp(join(tmpdir(), 'mistral-adapter-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emu.resetAll();
});

const chat: BatchContext = { jobId: 'job-1', model: 'mistral-small-latest', kind: 'chat' };
const question = (i: number): UnifiedRequest => ({
  system: 'You are terse.',
  messages: [{ role: 'user', content: `Question number ${i}?` }],
});
const numbered = (count: number, prefix = 'q') =>
  Array.from({ length: count }, (_, i): [string, UnifiedRequest] => [`${prefix}-${i}`, question(i)]);
const byId = (results: NormalizedResult[]) => new Map(results.map((result) => [result.customId, result]));

async function writeChunk(inputs: Array<[string, UnifiedRequest]>, context: BatchContext, chunkKey: string) {
  const lines = inputs.map(([customId, request]) => adapter.encodeLine(customId, request, context));
  const filePath = join(dir, `${chunkKey}-${Math.random().toString(36).slice(2)}.jsonl`);
  const text = `${lines.join('\n')}\n`;
  await writeFile(filePath, text);
  return { context, chunkKey, filePath, requestCount: lines.length, bytes: Buffer.byteLength(text) };
}

async function submit(inputs: Array<[string, UnifiedRequest]>, context = chat, chunkKey = 'chunk-1') {
  return adapter.submit(await writeChunk(inputs, context, chunkKey));
}

async function waitEnded(ref: BatchRef, seen: string[] = [], timeoutMs = 15_000): Promise<PollResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const poll = await adapter.poll(ref);
    if (seen.at(-1) !== poll.phase) seen.push(poll.phase);
    if (poll.phase === 'ended') return poll;
    if (Date.now() > deadline) throw new Error(`job ${ref.providerBatchId} stuck in ${poll.providerStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function collect(ref: BatchRef, context = chat, from = adapter): Promise<NormalizedResult[]> {
  const results: NormalizedResult[] = [];
  for await (const result of from.fetchResults(ref, context)) results.push(result);
  return results;
}

async function run(inputs: Array<[string, UnifiedRequest]>, context = chat) {
  const submitted = await submit(inputs, context);
  const poll = await waitEnded(submitted);
  const ref = { ...submitted, outputFileId: poll.outputFileId, errorFileId: poll.errorFileId };
  return { ref, poll, results: await collect(ref, context) };
}

const setOptions = (options: Record<string, string>) =>
  fetch(`${serverURL}/_emulator/options`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options),
  });

describe('MistralAdapter against the emulator', () => {
  it('submits, polls through the states and fetches shuffled results with usage', async () => {
    const inputs = numbered(30);
    const submitted = await submit(inputs);
    expect(submitted.providerBatchId).toMatch(/^[0-9a-f-]{36}$/);
    const phases: string[] = [];
    const poll = await waitEnded(submitted, phases);
    expect(phases).toEqual(['validating', 'running', 'ended']);
    expect(poll).toMatchObject({
      outcome: 'completed',
      providerStatus: 'SUCCESS',
      counts: { total: 30, completed: 30, failed: 0 },
      errorFileId: null,
      failures: undefined,
    });
    const results = await collect({ ...submitted, outputFileId: poll.outputFileId });
    expect(results.map((r) => r.customId)).not.toEqual(inputs.map(([id]) => id));
    expect(results.map((r) => r.customId).sort()).toEqual(inputs.map(([id]) => id).sort());
    const messages = [
      { role: 'system', text: 'You are terse.' },
      { role: 'user', text: 'Question number 7?' },
    ];
    expect(byId(results).get('q-7')).toEqual({
      customId: 'q-7',
      status: 'succeeded',
      output: { text: echoText(messages), finishReason: 'stop' },
      usage: {
        inputTokens: countPromptTokens(messages),
        outputTokens: countTokens(echoText(messages)),
        cachedTokens: 0,
        cacheWriteTokens: 0,
        raw: expect.objectContaining({ prompt_tokens: countPromptTokens(messages) }),
      },
    });
    expect(emu.stats().mistral).toMatchObject({ batches: 1, requests: 30 });
  });

  it('uploads the request file unchanged, and cleans up what it stored', async () => {
    const chunk = await writeChunk(numbered(50), chat, 'chunk-upload');
    const submitted = await adapter.submit(chunk);
    const content = await fetch(`${serverURL}/v1/files/${submitted.inputFileId}/content`, {
      headers: { authorization: 'Bearer test' },
    });
    expect(await content.text()).toBe(await readFile(chunk.filePath, 'utf8'));
    expect(emu.stats().mistral!.bytes).toBe(chunk.bytes);
    const poll = await waitEnded(submitted);
    const ref = { ...submitted, outputFileId: poll.outputFileId, errorFileId: poll.errorFileId };
    await adapter.cleanup(ref);
    await adapter.cleanup(ref);
    const files = await fetch(`${serverURL}/v1/files`, { headers: { authorization: 'Bearer test' } });
    expect(await files.json()).toMatchObject({ total: 0 });
  });

  describe.each(['string_body', 'openai_envelope', 'top_level_error'])(
    'per-request failures written as %s',
    (shape) => {
      it.each([
        [400, 'invalid_request', false],
        [429, 'rate_limited', true],
        [500, 'server_error', true],
      ])('reads status %i as %s (retryable: %s)', async (status, type, retryable) => {
        await setOptions({ error_line_shape: shape });
        emu.setFaults({ request_errors: { provider: 'mistral', rate: 0.5, status } });
        const { poll, results } = await run(numbered(20));
        expect(poll.outcome).toBe('completed');
        expect(poll.counts.failed).toBeGreaterThan(0);
        expect(poll.counts.completed + poll.counts.failed).toBe(20);
        expect(results).toHaveLength(20);
        const failures = results.filter((r) => r.status === 'failed');
        expect(failures).toHaveLength(poll.counts.failed);
        for (const failure of failures) {
          expect(failure).toMatchObject({ status: 'failed', usage: null, error: { type, retryable } });
        }
        if (status === 429)
          expect(failures[0]).toMatchObject({ error: { code: '1300', message: 'Rate limit exceeded' } });
      });
    },
  );

  it('expires with partial results', async () => {
    emu.setFaults({ expire: { provider: 'mistral', fraction_completed: 0.25, times: 1 } });
    const { poll, results } = await run(numbered(40));
    expect(poll).toMatchObject({ phase: 'ended', outcome: 'expired', providerStatus: 'TIMEOUT_EXCEEDED' });
    expect(poll.counts).toEqual({ total: 40, completed: 10, failed: 0 });
    expect(results).toHaveLength(10);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('cancels mid-run with partial results, and cancelling again or after the end is not an error', async () => {
    emu.setFaults({ slow_factor: 6 });
    const submitted = await submit(numbered(200));
    for (;;) {
      const poll = await adapter.poll(submitted);
      if (poll.phase === 'running' && poll.counts.completed > 20) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await adapter.cancel(submitted);
    expect((await adapter.poll(submitted)).phase).toBe('cancelling');
    await adapter.cancel(submitted);
    const poll = await waitEnded(submitted);
    expect(poll).toMatchObject({ outcome: 'cancelled', providerStatus: 'CANCELLED' });
    expect(poll.counts.completed).toBeGreaterThan(20);
    expect(poll.counts.completed).toBeLessThan(200);
    const results = await collect({ ...submitted, outputFileId: poll.outputFileId });
    expect(results).toHaveLength(poll.counts.completed);
    await adapter.cancel(submitted);

    emu.setFaults({ slow_factor: null });
    const finished = await run(numbered(2));
    await adapter.cancel(finished.ref);
  });

  it('absorbs 429 and 5xx on API calls with the SDK retries (one batch created)', async () => {
    const faults: FaultInput = {
      http: [
        { provider: 'mistral', method: 'POST', path: '/v1/files', status: 429, times: 1, retry_after_ms: 0 },
        {
          provider: 'mistral',
          method: 'POST',
          path: '^/v1/batch/jobs$',
          status: 503,
          times: 1,
          retry_after_ms: 0,
        },
        {
          provider: 'mistral',
          method: 'GET',
          path: '^/v1/batch/jobs/',
          status: 500,
          times: 1,
          retry_after_ms: 0,
        },
        { provider: 'mistral', method: 'GET', path: '/v1/files/', status: 502, times: 1, retry_after_ms: 0 },
      ],
    };
    emu.setFaults(faults);
    const chunk = await writeChunk(numbered(10), chat, 'chunk-retry');
    const submitted = await adapter.submit(chunk);
    const poll = await waitEnded(submitted);
    const results = await collect({ ...submitted, outputFileId: poll.outputFileId });
    expect(results).toHaveLength(10);
    const remaining = (await fetch(`${emu.url}/_emulator/faults`).then((r) => r.json())) as {
      http: unknown[];
    };
    expect(remaining.http).toEqual([]);
    expect(emu.stats().mistral).toEqual({ batches: 1, requests: 10, bytes: chunk.bytes });
    // The retried upload carried the whole file again.
    const content = await fetch(`${serverURL}/v1/files/${submitted.inputFileId}/content`, {
      headers: { authorization: 'Bearer test' },
    });
    expect(await content.text()).toBe(await readFile(chunk.filePath, 'utf8'));
    expect(emu.stats().mistral!.bytes).toBe(chunk.bytes);
  });

  it('throws classified errors when retries run out or the request is wrong', async () => {
    const impatient = newAdapter({ retry: { ...FAST_RETRY, maxElapsedMs: 0 } });
    emu.setFaults({
      http: [{ provider: 'mistral', method: 'GET', path: '/v1/batch/jobs', status: 429, retry_after_ms: 0 }],
    });
    const limited = await impatient.poll({ providerBatchId: 'x' }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ProviderCallError);
    expect(limited).toMatchObject({ status: 429, retryable: true });

    emu.setFaults({});
    const missing = await adapter.poll({ providerBatchId: 'no-such-job' }).catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, retryable: false });
    const unknownModel = await adapter
      .submit(await writeChunk(numbered(1), { ...chat, model: '' }, 'chunk-bad'))
      .catch((error: unknown) => error);
    expect(unknownModel).toMatchObject({ status: 422, retryable: false });
    await expect(adapter.cancel({ providerBatchId: 'no-such-job' })).rejects.toMatchObject({ status: 404 });

    const offline = new MistralAdapter({
      apiKey: 'test',
      serverURL: 'http://127.0.0.1:9',
      retry: { ...FAST_RETRY, maxElapsedMs: 0 },
    });
    await expect(offline.poll({ providerBatchId: 'x' })).rejects.toMatchObject({
      status: null,
      retryable: true,
    });
  });

  it('findExisting adopts the job created for a chunk key, never a known one', async () => {
    const plannedAt = new Date(Date.now() - 1000);
    const a = await submit(numbered(2), chat, 'chunk-A');
    const b = await submit(numbered(2), chat, 'chunk-B');
    const query = { createdAfter: plannedAt, requestCount: 2, knownBatchIds: new Set<string>() };
    expect(await adapter.findExisting({ ...query, chunkKey: 'chunk-A' })).toEqual({
      providerBatchId: a.providerBatchId,
      inputFileId: a.inputFileId,
    });
    expect((await adapter.findExisting({ ...query, chunkKey: 'chunk-B' }))?.providerBatchId).toBe(
      b.providerBatchId,
    );
    expect(await adapter.findExisting({ ...query, chunkKey: 'chunk-C' })).toBeNull();
    expect(
      await adapter.findExisting({
        ...query,
        chunkKey: 'chunk-A',
        knownBatchIds: new Set([a.providerBatchId]),
      }),
    ).toBeNull();
    expect(
      await adapter.findExisting({
        ...query,
        chunkKey: 'chunk-A',
        createdAfter: new Date(Date.now() + 3_600_000),
      }),
    ).toBeNull();

    // If the API ignored the SDK's metadata filter, the adapter still picks the right job.
    await setOptions({ list_metadata_filter: 'ignored' });
    expect((await adapter.findExisting({ ...query, chunkKey: 'chunk-A' }))?.providerBatchId).toBe(
      a.providerBatchId,
    );
    expect(await adapter.findExisting({ ...query, chunkKey: 'chunk-C' })).toBeNull();
    expect(emu.stats().mistral!.batches).toBe(2);
  });

  it('returns structured output as JSON, and invalid JSON as a retryable invalid_output with usage', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' }, score: { type: 'integer', minimum: 1 } },
      required: ['answer', 'score'],
      additionalProperties: false,
    };
    const context: BatchContext = { ...chat, output: { name: 'verdict', schema } };
    const valid = await run(numbered(3), context);
    expect(valid.results[0]).toMatchObject({
      status: 'succeeded',
      output: { json: { answer: 'string', score: 1 }, text: '{"answer":"string","score":1}' },
    });

    emu.setFaults({ invalid_json_rate: 1 });
    const invalid = await run(numbered(3), context);
    expect(invalid.results).toHaveLength(3);
    for (const result of invalid.results) {
      expect(result).toMatchObject({
        status: 'failed',
        error: { type: 'invalid_output', retryable: true },
        usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      });
    }
  });

  it('runs embedding batches', async () => {
    const context: BatchContext = { jobId: 'job-e', model: 'mistral-embed', kind: 'embedding' };
    const { poll, results } = await run(
      [
        ['e-1', { text: 'hello world' }],
        ['e-2', { text: 'bonjour 🌍' }],
      ],
      context,
    );
    expect(poll.outcome).toBe('completed');
    const one = byId(results).get('e-1');
    expect(one).toMatchObject({
      status: 'succeeded',
      usage: { inputTokens: countTokens('hello world'), outputTokens: 0 },
    });
    expect(one?.status === 'succeeded' && one.output.embedding).toHaveLength(8);
  });

  it('carries a 1 MB request, and unicode both ways', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const unicode = 'Ça va? 你好 👨‍👩‍👧 🎉 — «ok»';
    const { results } = await run([
      ['big', { messages: [{ role: 'user', content: big }] }],
      ['uni', { system: 'Réponds en français 🇫🇷', messages: [{ role: 'user', content: unicode }] }],
    ]);
    const found = byId(results);
    expect(found.get('big')).toMatchObject({
      status: 'succeeded',
      usage: { inputTokens: countTokens(big) },
    });
    const uni = found.get('uni');
    expect(uni?.status === 'succeeded' && uni.output.text).toBe(
      echoText([
        { role: 'system', text: 'Réponds en français 🇫🇷' },
        { role: 'user', text: unicode },
      ]),
    );
  });
});
