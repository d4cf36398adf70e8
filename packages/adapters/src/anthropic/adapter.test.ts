import Anthropic from '@anthropic-ai/sdk';
import { countPromptTokens, countTokens, createAnthropicProvider, echoText } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { ProviderCallError } from '../errors';
import { adapterTestbed, byId, echoedResult, numbered, promptOf, question } from '../test-support/testbed';
import type { BatchContext, UnifiedRequest } from '../types';
import { anthropicDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'claude-sonnet-4-6', kind: 'chat' };

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 50, seed: 3, providers: [createAnthropicProvider] },
  adapter: (emu) =>
    createAdapter(anthropicDescriptor, { apiKey: 'test', baseURL: `${emu.url}/anthropic`, maxRetries: 2 }),
  context: chat,
});
const { submit, waitEnded, cancelTwice, collect, waitAndCollect, run, faultsLeft } = testbed;

describe('AnthropicAdapter against the emulator', () => {
  it('submits inline requests, polls, and streams shuffled results with usage', async () => {
    const inputs = numbered(20);
    const ref = await submit(inputs);
    expect(ref.providerBatchId).toMatch(/^msgbatch_/);
    const first = await testbed.adapter.poll(ref);
    expect(first).toMatchObject({
      phase: 'running',
      providerStatus: 'in_progress',
      counts: { total: 20, completed: 0, failed: 0 },
    });
    expect(first.outcome).toBeUndefined();

    const ended = await waitEnded(ref);
    expect(ended).toMatchObject({
      phase: 'ended',
      outcome: 'completed',
      providerStatus: 'ended',
      counts: { total: 20, completed: 20, failed: 0 },
    });
    const results = await collect(ref);
    expect(results.map((result) => result.customId)).not.toEqual(inputs.map(([id]) => id));
    expect(new Set(results.map((result) => result.customId)).size).toBe(20);

    expect(byId(results).get('q-7')).toEqual(
      echoedResult(
        'q-7',
        question(7),
        'end_turn',
        expect.objectContaining({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }),
      ),
    );
    expect(testbed.emu.stats().anthropic).toMatchObject({ batches: 1, requests: 20 });
  });

  it('reports cache reads as cached tokens, counted in the whole prompt', async () => {
    testbed.emu.setFaults({ cached_fraction: 0.5 });
    const { results } = await run(numbered(1));
    const prompt = countPromptTokens(promptOf(question(0)));
    const usage = results[0]?.usage;
    expect(usage?.cachedTokens).toBe(Math.floor(prompt / 2));
    expect(usage?.inputTokens).toBe(prompt);
    expect(usage?.cacheWriteTokens).toBe(0);
  });

  it('maps per-request errors: injected overloads retryable, invalid params final', async () => {
    testbed.emu.setFaults({ request_errors: { rate: 0.5, status: 529 } });
    const inputs: Array<[string, UnifiedRequest]> = [
      ...numbered(30),
      ['zero-max', { messages: [{ role: 'user', content: 'x' }], params: { max_tokens: 0 } }],
      // API 2026-10-21, which SDK 1.x speaks, refuses sampling params.
      ['temperature', { messages: [{ role: 'user', content: 'x' }], params: { temperature: 0.2 } }],
    ];
    const { poll, results } = await run(inputs);
    expect(results).toHaveLength(32);
    expect(poll.counts.total).toBe(32);
    expect(poll.counts.completed + poll.counts.failed).toBe(32);
    const all = byId(results);
    expect(all.get('zero-max')).toMatchObject({
      status: 'failed',
      usage: null,
      error: { type: 'invalid_request', code: 'invalid_request_error', retryable: false },
    });
    expect(all.get('temperature')).toMatchObject({
      status: 'failed',
      error: {
        type: 'invalid_request',
        message: 'temperature: Extra inputs are not permitted',
        retryable: false,
      },
    });
    const overloaded = results.filter((r) => r.status === 'failed' && r.error.code === 'overloaded_error');
    expect(overloaded.length).toBeGreaterThan(3);
    for (const result of overloaded) {
      expect(result).toMatchObject({ status: 'failed', error: { type: 'server_error', retryable: true } });
    }
  });

  it('expires the unfinished rest: partial results, the rest expired and retryable', async () => {
    testbed.emu.setFaults({ expire: { fraction_completed: 0.5, times: 1 } });
    const { poll, results } = await run(numbered(20));
    expect(poll).toMatchObject({ outcome: 'expired', counts: { total: 20, completed: 10, failed: 10 } });
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(10);
    const expired = results.filter((r) => r.status === 'failed');
    expect(expired).toHaveLength(10);
    for (const result of expired) {
      expect(result).toMatchObject({ error: { type: 'expired', retryable: true }, usage: null });
    }
  });

  it('cancels mid-run: partial results, the rest cancelled; cancelling again is harmless', async () => {
    // Each state lasts 800 ms: the cancel lands halfway through processing.
    testbed.emu.setFaults({ slow_factor: 16 });
    const ref = await submit(numbered(40));
    await new Promise((resolve) => setTimeout(resolve, 50 * 16 * 1.5));
    expect(await cancelTwice(ref)).toMatchObject({ phase: 'cancelling', providerStatus: 'canceling' });

    const { poll, results } = await waitAndCollect(ref);
    expect(poll.outcome).toBe('cancelled');
    expect(results).toHaveLength(40);
    const succeeded = results.filter((r) => r.status === 'succeeded').length;
    const cancelled = results.filter((r) => r.status === 'failed' && r.error.type === 'cancelled');
    expect(succeeded).toBeGreaterThan(0);
    expect(cancelled.length).toBeGreaterThan(0);
    expect(succeeded + cancelled.length).toBe(40);
    expect(cancelled[0]).toMatchObject({ error: { retryable: false } });
    expect(poll.counts).toEqual({ total: 40, completed: succeeded, failed: cancelled.length });

    await expect(testbed.adapter.cancel(ref)).resolves.toBeUndefined();
  });

  it('absorbs 429 and 5xx/529 on reads through SDK retries', async () => {
    testbed.emu.setFaults({
      http: [
        {
          provider: 'anthropic',
          method: 'GET',
          path: '^/v1/messages/batches/[^/]+$',
          status: 500,
          times: 2,
          retry_after_ms: 5,
        },
        {
          provider: 'anthropic',
          method: 'GET',
          path: '^/v1/messages/batches/[^/]+/results$',
          status: 529,
          times: 1,
          retry_after_ms: 5,
        },
      ],
    });
    const { poll, results } = await run(numbered(4));
    expect(poll.outcome).toBe('completed');
    expect(results).toHaveLength(4);
    expect(testbed.emu.stats().anthropic).toMatchObject({ batches: 1, requests: 4 });
    expect((await faultsLeft()).http).toEqual([]);
  });

  it('throws ProviderCallError: retryable on a 429 or 529 at create (made once, not retried), final on a 400', async () => {
    testbed.emu.setFaults({
      http: [
        { provider: 'anthropic', method: 'POST', path: '/v1/messages/batches', status: 429, times: 1 },
        { provider: 'anthropic', method: 'POST', path: '/v1/messages/batches', status: 529, times: 2 },
      ],
    });
    const limited = await submit(numbered(1)).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ProviderCallError);
    expect(limited).toMatchObject({ status: 429, retryable: true });
    const overloaded = await submit(numbered(1)).catch((error: unknown) => error);
    expect(overloaded).toMatchObject({ status: 529, retryable: true });
    // One call per submit: the second 529 is still waiting.
    expect((await faultsLeft()).http).toMatchObject([{ status: 529, times: 1 }]);
    testbed.emu.setFaults({});

    const duplicate = await submit([
      ['same', question(1)],
      ['same', question(2)],
    ]).catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ status: 400, retryable: false });
    const missing = await testbed.adapter
      .poll({ providerBatchId: 'msgbatch_missing' })
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, retryable: false });
    expect(testbed.emu.stats().anthropic?.batches).toBe(0);
  });

  it('finds a batch created for a chunk by size and creation time, and only when unambiguous', async () => {
    const plannedAt = new Date();
    const ref = await submit(numbered(3), chat, 'chunk-a');
    const query = {
      chunkKey: 'chunk-a',
      createdAfter: plannedAt,
      requestCount: 3,
      knownBatchIds: new Set<string>(),
    };
    expect(await testbed.adapter.findExisting(query)).toEqual({
      providerBatchId: ref.providerBatchId,
      recognisedBy: 'size',
    });
    expect(
      await testbed.adapter.findExisting({ ...query, knownBatchIds: new Set([ref.providerBatchId]) }),
    ).toBeNull();
    expect(await testbed.adapter.findExisting({ ...query, requestCount: 4 })).toBeNull();
    const muchLater = new Date(Date.now() + 3_600_000);
    expect(await testbed.adapter.findExisting({ ...query, createdAfter: muchLater })).toBeNull();

    // A second chunk of the same size: no way to tell them apart, so neither is adopted.
    const other = await submit(numbered(3, 'other'), chat, 'chunk-b');
    expect(await testbed.adapter.findExisting(query)).toBeNull();
    expect(
      await testbed.adapter.findExisting({ ...query, knownBatchIds: new Set([other.providerBatchId]) }),
    ).toEqual({
      providerBatchId: ref.providerBatchId,
      recognisedBy: 'size',
    });
    expect(testbed.emu.stats().anthropic?.batches).toBe(2);
  });

  it('does not retry a create whose answer was lost: one batch, a retryable error, and findExisting adopts it', async () => {
    testbed.emu.setFaults({
      drop_response: [{ provider: 'anthropic', method: 'POST', path: '^/v1/messages/batches$', times: 1 }],
    });
    const plannedAt = new Date();
    const inputs = numbered(5);

    const lost = await submit(inputs, chat, 'job-1_r0_c0').catch((error: unknown) => error);

    expect(lost).toBeInstanceOf(ProviderCallError);
    expect(lost).toMatchObject({ status: null, retryable: true });
    expect(testbed.emu.stats().anthropic).toMatchObject({ batches: 1, requests: 5 });
    const client = new Anthropic({ apiKey: 'test', baseURL: `${testbed.emu.url}/anthropic` });
    const { data } = await client.messages.batches.list();
    expect(data).toHaveLength(1);
    const adopted = await testbed.adapter.findExisting({
      chunkKey: 'job-1_r0_c0',
      createdAfter: plannedAt,
      requestCount: 5,
      knownBatchIds: new Set(),
    });
    expect(adopted).toEqual({ providerBatchId: data[0]!.id, recognisedBy: 'size' });
    const { results } = await waitAndCollect(adopted!);
    expect(results.map((r) => r.customId).sort()).toEqual(inputs.map(([id]) => id));
  });

  it('asks for structured output with a forced tool call and returns its input as json', async () => {
    const schema = {
      type: 'object',
      properties: {
        label: { type: 'string', enum: ['spam', 'ham'] },
        score: { type: 'integer', minimum: 1 },
      },
      required: ['label', 'score'],
      additionalProperties: false,
    };
    const context: BatchContext = { ...chat, output: { name: 'classification', schema } };
    const valid = await run([['s', question(1)]], context);
    expect(valid.results[0]).toMatchObject({
      status: 'succeeded',
      output: {
        json: { label: 'spam', score: 1 },
        text: '{"label":"spam","score":1}',
        finishReason: 'tool_use',
      },
    });

    // Tool input is always an object: an invalid one misses a required field, for the worker's schema check.
    testbed.emu.setFaults({ invalid_json_rate: 1 });
    const invalid = await run([['s', question(1)]], context);
    expect(invalid.results[0]).toMatchObject({ status: 'succeeded', output: { json: { score: 1 } } });
    expect(invalid.results[0]?.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('carries a 1 MB input and unicode both ways', async () => {
    const big = 'b'.repeat(1024 * 1024);
    const emoji = 'Grüße 世界 🦀🚀 — “quotes” \\ and \u2028';
    const unicodeRequest: UnifiedRequest = {
      system: 'Réponds 🙂',
      messages: [{ role: 'user', content: emoji }],
    };
    const { results } = await run([
      ['big', { messages: [{ role: 'user', content: big }] }],
      ['unicode', unicodeRequest],
    ]);
    const all = byId(results);
    expect(all.get('big')).toMatchObject({ status: 'succeeded', usage: { inputTokens: countTokens(big) } });
    const unicode = all.get('unicode');
    expect(unicode?.status).toBe('succeeded');
    const prompt = promptOf(unicodeRequest);
    expect(unicode).toMatchObject({ output: { text: echoText(prompt) } });
    expect(echoText(prompt)).toContain('Grüße 世界 🦀🚀');
  });

  it('deletes an ended batch on cleanup, and a second cleanup is harmless', async () => {
    const { ref } = await run(numbered(2));
    await testbed.adapter.cleanup!(ref);
    await expect(testbed.adapter.poll(ref)).rejects.toMatchObject({ status: 404 });
    await expect(testbed.adapter.cleanup!(ref)).resolves.toBeUndefined();
  });

  it('sends max_tokens over the synchronous limit with the 300K output beta on a model that takes it', async () => {
    const long = (max: number): UnifiedRequest => ({
      messages: [{ role: 'user', content: 'write at length' }],
      params: { max_tokens: max },
    });
    // claude-sonnet-4-6: 128K synchronous, 300K in a batch with the beta; the emulator refuses more without it.
    const { poll, results } = await run([
      ['long', long(200_000)],
      ['short', long(100)],
    ]);
    expect(poll.counts).toMatchObject({ total: 2, completed: 2, failed: 0 });
    expect(results.map((result) => result.status)).toEqual(['succeeded', 'succeeded']);

    // The same request on a model the beta does not cover (intake refuses it; sent anyway, the API refuses it).
    const haiku: BatchContext = { ...chat, model: 'claude-haiku-4-5' };
    const refused = await run([['long', long(200_000)]], haiku);
    expect(refused.results[0]).toMatchObject({
      status: 'failed',
      error: {
        type: 'invalid_request',
        message: expect.stringContaining(
          'max_tokens: 200000 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5',
        ),
      },
    });
  });
});
