import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countPromptTokens, countTokens, echoText } from '../core/model';
import { type EmulatorHandle, startEmulator } from '../server';
import { createAnthropicProvider } from './provider';
import { AnthropicTestClient, messageRequest, messageRequests } from './test-client';
import type { IndividualResponse, Message } from './types';

let emu: EmulatorHandle;
let api: AnthropicTestClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, stepMs: 50, seed: 7, providers: [createAnthropicProvider] });
  api = new AnthropicTestClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

const BATCH_KEYS = [
  'id',
  'type',
  'processing_status',
  'request_counts',
  'ended_at',
  'created_at',
  'expires_at',
  'archived_at',
  'cancel_initiated_at',
  'results_url',
].sort();
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const byId = (lines: IndividualResponse[]) => new Map(lines.map((line) => [line.custom_id, line.result]));
const messageOf = (line: IndividualResponse | undefined): Message => {
  if (line?.result.type !== 'succeeded') throw new Error(`not a success: ${JSON.stringify(line)}`);
  return line.result.message;
};

describe('batch lifecycle', () => {
  it('runs in_progress → ended, counts only processing until the end, then serves shuffled results', async () => {
    const requests = messageRequests(30);
    const created = await api.create(requests);
    expect(Object.keys(created).sort()).toEqual(BATCH_KEYS);
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 30, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
    expect(created.id).toMatch(/^msgbatch_[A-Za-z0-9]{24}$/);
    expect(created.created_at).toMatch(RFC3339);
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 3600 * 1000);

    const midway = await api.waitFor(created.id, () => true);
    expect(midway.request_counts.processing).toBe(30);

    const done = await api.waitFor(created.id);
    expect(done.request_counts).toEqual({
      processing: 0,
      succeeded: 30,
      errored: 0,
      canceled: 0,
      expired: 0,
    });
    expect(done.ended_at).toMatch(RFC3339);
    // Anthropic: results_url is absolute; the SDK follows it whatever its baseURL.
    expect(done.results_url).toBe(`${api.root}/v1/messages/batches/${done.id}/results`);

    const res = await api.fetch(done.results_url!);
    expect(res.headers.get('content-type')).toBe('application/binary');
    const lines = await api.results(done);
    expect(lines).toHaveLength(30);
    const order = lines.map((line) => line.custom_id);
    expect(order).not.toEqual(requests.map((r) => r.custom_id));
    expect(new Set(order).size).toBe(30);

    const first = lines.find((line) => line.custom_id === 'req-3');
    const message = messageOf(first);
    const prompt = [
      { role: 'system', text: 'You are terse.' },
      { role: 'user', text: 'Question number 3?' },
    ];
    const text = echoText(prompt);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'text', text, citations: null }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: countPromptTokens(prompt),
        output_tokens: countTokens(text),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
    expect(message.id).toMatch(/^msg_[A-Za-z0-9]{24}$/);
  });

  it('repeats the same shuffle and ids for the same seed', async () => {
    const first = await api.results(await api.waitFor((await api.create(messageRequests(12))).id));
    emu.resetAll();
    const second = await api.results(await api.waitFor((await api.create(messageRequests(12))).id));
    expect(second).toEqual(first);
  });

  it('reports cache reads apart from input tokens under cached_fraction', async () => {
    emu.setFaults({ cached_fraction: 0.5 });
    const [line] = await api.results(await api.waitFor((await api.create(messageRequests(1))).id));
    const usage = messageOf(line).usage;
    const prompt = countPromptTokens([
      { role: 'system', text: 'You are terse.' },
      { role: 'user', text: 'Question number 0?' },
    ]);
    expect(usage.cache_read_input_tokens).toBe(Math.floor(prompt * 0.5));
    expect(usage.input_tokens + usage.cache_read_input_tokens).toBe(prompt);
  });

  it('reports cache writes apart from input tokens and cache reads under cache_write_fraction', async () => {
    emu.setFaults({ cached_fraction: 0.5, cache_write_fraction: 0.25 });
    const [line] = await api.results(await api.waitFor((await api.create(messageRequests(1))).id));
    const usage = messageOf(line).usage;
    const prompt = countPromptTokens([
      { role: 'system', text: 'You are terse.' },
      { role: 'user', text: 'Question number 0?' },
    ]);
    const writes = Math.floor(prompt * 0.25);
    expect(writes).toBeGreaterThan(0);
    expect(usage.cache_creation_input_tokens).toBe(writes);
    expect(usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: writes, ephemeral_1h_input_tokens: 0 });
    expect(usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens).toBe(
      prompt,
    );
  });
});

describe('params are validated asynchronously', () => {
  it('accepts a batch with bad params and reports each as an errored invalid_request_error', async () => {
    const base = messageRequest('ok', 'fine').params;
    const { max_tokens: _omitted, ...noMaxTokens } = base;
    const requests = [
      messageRequest('ok', 'fine'),
      { custom_id: 'no-max-tokens', params: noMaxTokens },
      messageRequest('zero-max-tokens', 'x', { max_tokens: 0 }),
      messageRequest('no-messages', 'x', { messages: [] }),
      messageRequest('streaming', 'x', { stream: true }),
      messageRequest('bad-role', 'x', { messages: [{ role: 'tool', content: 'x' }] }),
      messageRequest('temperature', 'x', { temperature: 0.2 }),
      messageRequest('unknown-param', 'x', { frequency_penalty: 1 }),
    ];
    const created = await api.create(requests);
    expect(created.request_counts.processing).toBe(8);
    const done = await api.waitFor(created.id);
    expect(done.request_counts).toMatchObject({ succeeded: 1, errored: 7 });
    const results = byId(await api.results(done));
    const messageFor = (id: string) => {
      const result = results.get(id);
      if (result?.type !== 'errored') throw new Error(`${id} did not error`);
      // Anthropic: the error is a whole ErrorResponse, so the type is at result.error.error.type.
      expect(result.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      return result.error.error.message;
    };
    expect(messageFor('no-max-tokens')).toBe('max_tokens: Field required');
    expect(messageFor('zero-max-tokens')).toBe('max_tokens: Input should be greater than or equal to 1');
    expect(messageFor('no-messages')).toMatch(/^messages:/);
    expect(messageFor('streaming')).toMatch(/^stream:/);
    expect(messageFor('bad-role')).toMatch(/^messages\.0\.role:/);
    // API version 2026-10-21 (what SDK 1.x sends) refuses sampling params outright.
    expect(messageFor('temperature')).toBe('temperature: Extra inputs are not permitted');
    expect(messageFor('unknown-param')).toBe('frequency_penalty: Extra inputs are not permitted');
  });

  it("holds max_tokens to the model's synchronous limit, or to 300K with the output-300k beta where it applies", async () => {
    const requests = [
      messageRequest('sonnet-128k', 'x', { max_tokens: 128_000 }),
      messageRequest('sonnet-200k', 'x', { max_tokens: 200_000 }),
      messageRequest('sonnet-300k', 'x', { max_tokens: 300_000 }),
      messageRequest('sonnet-over', 'x', { max_tokens: 300_001 }),
      messageRequest('haiku-200k', 'x', { model: 'claude-haiku-4-5', max_tokens: 200_000 }),
      messageRequest('dated-haiku', 'x', { model: 'claude-haiku-4-5-20251001', max_tokens: 64_001 }),
    ];
    const outcomes = async (headers: Record<string, string>) => {
      const results = await api.results(await api.waitFor((await api.create(requests, headers)).id));
      return Object.fromEntries(results.map((result) => [result.custom_id, result.result.type]));
    };
    expect(await outcomes({})).toEqual({
      'sonnet-128k': 'succeeded',
      'sonnet-200k': 'errored',
      'sonnet-300k': 'errored',
      'sonnet-over': 'errored',
      'haiku-200k': 'errored',
      'dated-haiku': 'errored',
    });
    // One beta among others, as the SDK joins `betas`.
    expect(await outcomes({ 'anthropic-beta': 'context-1m-2025-08-07, output-300k-2026-03-24' })).toEqual({
      'sonnet-128k': 'succeeded',
      'sonnet-200k': 'succeeded',
      'sonnet-300k': 'succeeded',
      'sonnet-over': 'errored',
      'haiku-200k': 'errored',
      'dated-haiku': 'errored',
    });
    const haiku = (await api.results(await api.waitFor((await api.create(requests.slice(4, 5))).id)))[0]!;
    expect(haiku.result).toMatchObject({
      type: 'errored',
      error: {
        error: {
          type: 'invalid_request_error',
          message:
            'max_tokens: 200000 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5',
        },
      },
    });
  });

  it('accepts sampling params but not system messages under anthropic-version 2023-06-01', async () => {
    const legacy = new AnthropicTestClient(emu, '2023-06-01');
    const created = await legacy.create([
      messageRequest('sampled', 'x', { temperature: 0.2, top_p: 0.9, top_k: 5 }),
      messageRequest('too-hot', 'x', { temperature: 1.5 }),
      messageRequest('system-message', 'x', { messages: [{ role: 'system', content: 'x' }] }),
    ]);
    const results = byId(await legacy.results(await legacy.waitFor(created.id)));
    expect(results.get('sampled')?.type).toBe('succeeded');
    expect(results.get('too-hot')).toMatchObject({ type: 'errored' });
    expect(results.get('system-message')).toMatchObject({
      type: 'errored',
      error: { error: { message: expect.stringMatching(/^messages\.0\.role:/) } },
    });
  });

  it('stops at a stop sequence and truncates at max_tokens', async () => {
    const created = await api.create([
      messageRequest('stopped', 'abc STOP def', { stop_sequences: ['STOP'] }),
      messageRequest('short', 'a long enough question to be cut', { max_tokens: 2 }),
    ]);
    const lines = await api.results(await api.waitFor(created.id));
    const stopped = messageOf(lines.find((line) => line.custom_id === 'stopped'));
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe('STOP');
    expect(stopped.content[0]).toMatchObject({ type: 'text', text: expect.not.stringContaining('STOP') });
    const short = messageOf(lines.find((line) => line.custom_id === 'short'));
    expect(short.stop_reason).toBe('max_tokens');
    expect(short.usage.output_tokens).toBeLessThanOrEqual(2);
  });
});

describe('structured output through a forced tool call', () => {
  const schema = {
    type: 'object',
    properties: { label: { type: 'string', enum: ['spam', 'ham'] }, score: { type: 'number', minimum: 0 } },
    required: ['label', 'score'],
    additionalProperties: false,
  };
  const forced = (customId: string, extra: Record<string, unknown> = {}) =>
    messageRequest(customId, 'classify this', {
      tools: [{ name: 'classification', description: 'Report the result', input_schema: schema }],
      tool_choice: { type: 'tool', name: 'classification' },
      ...extra,
    });

  it('answers with a tool_use block whose input fits the schema', async () => {
    const [line] = await api.results(await api.waitFor((await api.create([forced('j')])).id));
    const message = messageOf(line);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      {
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_/),
        name: 'classification',
        input: { label: 'spam', score: 0 },
        caller: { type: 'direct' },
      },
    ]);
    expect(message.usage.output_tokens).toBe(countTokens(JSON.stringify({ label: 'spam', score: 0 })));
  });

  it('breaks the schema under invalid_json_rate by leaving out a required property', async () => {
    emu.setFaults({ invalid_json_rate: 1 });
    const [line] = await api.results(await api.waitFor((await api.create([forced('j')])).id));
    expect(messageOf(line).content[0]).toMatchObject({ type: 'tool_use', input: { score: 0 } });
  });

  it('reports a bad tool definition or tool_choice as an errored request', async () => {
    const created = await api.create([
      forced('no-such-tool', { tool_choice: { type: 'tool', name: 'other' } }),
      forced('bad-schema', { tools: [{ name: 'classification', input_schema: { type: 'string' } }] }),
    ]);
    const results = byId(await api.results(await api.waitFor(created.id)));
    expect(results.get('no-such-tool')).toMatchObject({ type: 'errored' });
    expect(results.get('bad-schema')).toMatchObject({ type: 'errored' });
  });
});

describe('faults', () => {
  it('turns request_errors into errored results of the status type, capped per custom_id', async () => {
    emu.setFaults({ request_errors: { rate: 0.5, status: 529, max_per_custom_id: 1 } });
    const done = await api.waitFor((await api.create(messageRequests(40))).id);
    const { succeeded, errored } = done.request_counts;
    expect(errored).toBeGreaterThan(5);
    expect(succeeded + errored).toBe(40);
    const lines = await api.results(done);
    const failed = lines.filter((line) => line.result.type === 'errored');
    expect(failed).toHaveLength(errored);
    for (const line of failed) {
      expect(line.result).toEqual({
        type: 'errored',
        error: {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
          request_id: null,
        },
      });
    }
    const retryIds = new Set(failed.map((line) => line.custom_id));
    const retry = messageRequests(40).filter((request) => retryIds.has(request.custom_id));
    const again = await api.waitFor((await api.create(retry)).id);
    expect(again.request_counts).toMatchObject({ succeeded: errored, errored: 0 });
  });

  it('expires the unfinished rest of a batch, with partial results', async () => {
    emu.setFaults({ expire: { fraction_completed: 0.5, times: 1 } });
    const done = await api.waitFor((await api.create(messageRequests(20))).id);
    expect(done.request_counts).toEqual({
      processing: 0,
      succeeded: 10,
      errored: 0,
      canceled: 0,
      expired: 10,
    });
    expect(done.cancel_initiated_at).toBeNull();
    const lines = await api.results(done);
    expect(lines).toHaveLength(20);
    expect(lines.slice(10).map((line) => line.result)).toEqual(Array(10).fill({ type: 'expired' }));
    expect(new Set(lines.map((line) => line.custom_id)).size).toBe(20);

    const next = await api.waitFor((await api.create(messageRequests(3))).id);
    expect(next.request_counts.expired).toBe(0);
  });

  it('cancels mid-run: canceling, then ended with the rest canceled', async () => {
    // Each state lasts 800 ms: the cancel lands halfway through processing.
    emu.setFaults({ slow_factor: 16 });
    const created = await api.create(messageRequests(50));
    await new Promise((resolve) => setTimeout(resolve, 50 * 16 * 1.5));
    const { status, body: canceling } = await api.json(`/v1/messages/batches/${created.id}/cancel`, {
      method: 'POST',
    });
    expect(status).toBe(200);
    expect(canceling).toMatchObject({ processing_status: 'canceling', results_url: null });
    expect(canceling.cancel_initiated_at).toMatch(RFC3339);
    const again = await api.json(`/v1/messages/batches/${created.id}/cancel`, { method: 'POST' });
    expect(again.body).toMatchObject({ processing_status: 'canceling' });

    const done = await api.waitFor(created.id, undefined, 20_000);
    const { succeeded, canceled, processing } = done.request_counts;
    expect(processing).toBe(0);
    expect(succeeded).toBeGreaterThan(0);
    expect(canceled).toBeGreaterThan(0);
    expect(succeeded + canceled).toBe(50);
    const lines = await api.results(done);
    expect(lines.filter((line) => line.result.type === 'canceled')).toHaveLength(canceled);

    const ended = await api.json(`/v1/messages/batches/${created.id}/cancel`, { method: 'POST' });
    expect(ended.status).toBe(400);
  });
});

describe('content', () => {
  it('keeps unicode and emoji intact both ways', async () => {
    const text = 'Grüße, 世界! 🦀🚀 \u2028 "quoted" \\ back';
    const [line] = await api.results(await api.waitFor((await api.create([messageRequest('u', text)])).id));
    const block = messageOf(line).content[0];
    expect(block).toMatchObject({ type: 'text', text: expect.stringContaining('Grüße, 世界! 🦀🚀') });
  });

  it('takes a single 1 MB request', async () => {
    const big = 'a'.repeat(1024 * 1024);
    const done = await api.waitFor((await api.create([messageRequest('big', big)])).id);
    expect(done.request_counts.succeeded).toBe(1);
    const [line] = await api.results(done);
    expect(messageOf(line).usage.input_tokens).toBe(countTokens(`You are terse.${big}`));
  });
});
