import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../server';
import { MAX_BODY_BYTES } from './create-body';
import { createAnthropicProvider } from './provider';
import { AnthropicTestClient, messageRequest, messageRequests } from './test-client';
import type { ErrorResponse, ListBody, WireMessageBatch } from './types';

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

const post = (body: string) => api.json<ErrorResponse>('/v1/messages/batches', { method: 'POST', body });

describe('headers and errors', () => {
  it('wants a key (x-api-key or Bearer) and a known anthropic-version', async () => {
    const noKey = await fetch(`${api.root}/v1/messages/batches`, {
      headers: { 'anthropic-version': '2023-06-01' },
    });
    expect(noKey.status).toBe(401);
    const body = (await noKey.json()) as ErrorResponse;
    expect(body).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: expect.any(String) },
      request_id: noKey.headers.get('request-id'),
    });
    expect(body.request_id).toMatch(/^req_/);

    const bearer = await fetch(`${api.root}/v1/messages/batches`, {
      headers: { authorization: 'Bearer test', 'anthropic-version': '2026-10-21' },
    });
    expect(bearer.status).toBe(200);

    const noVersion = await fetch(`${api.root}/v1/messages/batches`, { headers: { 'x-api-key': 'k' } });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as ErrorResponse).error.message).toMatch(/anthropic-version/);
    const unknown = await api.json('/v1/messages/batches', {
      headers: { 'anthropic-version': 'latest' },
    });
    expect(unknown.status).toBe(400);
  });

  it('404s unknown batches and routes in the Anthropic envelope', async () => {
    const missing = await api.json<ErrorResponse>('/v1/messages/batches/msgbatch_nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(missing.body.request_id).toBe(missing.headers.get('request-id'));
    expect((await api.fetch('/v1/other')).status).toBe(404);
  });
});

describe('create: what is refused synchronously', () => {
  const refused = async (body: string, message: RegExp) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      type: 'invalid_request_error',
      message: expect.stringMatching(message),
    });
    return res;
  };
  const requests = (list: unknown[]) => JSON.stringify({ requests: list });

  it('refuses a malformed body or requests list', async () => {
    await refused('{"requests": [', /parsing the body/);
    await refused('[]', /parsing the body/);
    await refused('{}', /^requests: Field required$/);
    await refused('{"requests": {}}', /^requests: Input should be a valid list$/);
    await refused(requests([]), /at least 1 item/);
    await refused('{"requests": [], "metadata": {}}', /^metadata: Extra inputs are not permitted$/);
    await refused(requests(['x']), /^requests\.0: Input should be a valid dictionary$/);
    await refused(requests([{ ...messageRequest('a', 'x'), extra: 1 }]), /^requests\.0\.extra: Extra inputs/);
  });

  it('checks custom_id against ^[a-zA-Z0-9_-]{1,64}$ and for uniqueness', async () => {
    for (const bad of ['', 'has space', 'dot.ted', 'ü', 'x'.repeat(65), 7]) {
      await refused(
        requests([messageRequest('ok', 'x'), { ...messageRequest('b', 'x'), custom_id: bad }]),
        /^requests\.1\.custom_id: String should match pattern/,
      );
    }
    await refused(requests([{ params: {} }]), /^requests\.0\.custom_id: Field required$/);
    await refused(requests([messageRequest('a', 'x'), messageRequest('a', 'y')]), /Duplicate custom_id/);
    await refused(requests([{ custom_id: 'a' }]), /^requests\.0\.params: Field required$/);
    const longest = messageRequest('A-z_0'.repeat(12).concat('abcd'), 'x');
    expect((await post(requests([longest]))).status).toBe(200);
    expect(emu.stats().anthropic?.batches).toBe(1);
  });

  it('answers 413 request_too_large for a body declared over 256 MB, without reading it', async () => {
    const url = new URL(`${api.root}/v1/messages/batches`);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            'x-api-key': 'k',
            'anthropic-version': '2023-06-01',
            'content-type': 'application/json',
            'content-length': String(MAX_BODY_BYTES + 1),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write('{"requests":[');
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    expect(emu.stats().anthropic?.batches).toBe(0);
  });
});

describe('listing', () => {
  it('pages newest first with after_id, before_id, limit, first_id/last_id and has_more', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.create(messageRequests(1, `b${i}`))).id);
    const newest = [...ids].reverse();
    const list = async (query: string) =>
      (await api.json<ListBody<WireMessageBatch>>(`/v1/messages/batches${query}`)).body;

    const all = await list('');
    expect(all.data.map((b) => b.id)).toEqual(newest);
    expect(all).toMatchObject({ has_more: false, first_id: newest[0], last_id: newest[4] });

    const first = await list('?limit=2');
    expect(first).toMatchObject({ has_more: true, first_id: newest[0], last_id: newest[1] });
    const second = await list(`?limit=2&after_id=${first.last_id}`);
    expect(second.data.map((b) => b.id)).toEqual(newest.slice(2, 4));
    expect(second.has_more).toBe(true);
    const third = await list(`?limit=2&after_id=${second.last_id}`);
    expect(third.data.map((b) => b.id)).toEqual(newest.slice(4));
    expect(third.has_more).toBe(false);

    const before = await list(`?limit=2&before_id=${newest[4]}`);
    expect(before.data.map((b) => b.id)).toEqual(newest.slice(2, 4));
    expect(before.has_more).toBe(true);
    const earlier = await list(`?limit=2&before_id=${before.first_id}`);
    expect(earlier.data.map((b) => b.id)).toEqual(newest.slice(0, 2));
    expect(earlier.has_more).toBe(false);

    expect(await list('?after_id=msgbatch_unknown')).toEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
    for (const query of ['?limit=0', '?limit=1001', '?limit=x', `?after_id=${ids[0]}&before_id=${ids[1]}`]) {
      expect((await api.fetch(`/v1/messages/batches${query}`)).status).toBe(400);
    }
    expect((await api.fetch('/v1/messages/batches?limit=1000')).status).toBe(200);
  });
});

describe('delete and results availability', () => {
  it('deletes only an ended batch; its results go with it', async () => {
    emu.setFaults({ slow_factor: 4 });
    const created = await api.create(messageRequests(2));
    const early = await api.json<ErrorResponse>(`/v1/messages/batches/${created.id}`, { method: 'DELETE' });
    expect(early.status).toBe(400);
    const resultsEarly = await api.fetch(`/v1/messages/batches/${created.id}/results`);
    expect(resultsEarly.status).toBe(400);

    const done = await api.waitFor(created.id);
    const deleted = await api.json(`/v1/messages/batches/${created.id}`, { method: 'DELETE' });
    expect(deleted).toMatchObject({ status: 200, body: { id: created.id, type: 'message_batch_deleted' } });
    expect((await api.fetch(`/v1/messages/batches/${created.id}`)).status).toBe(404);
    expect((await api.fetch(done.results_url!)).status).toBe(404);
  });
});

describe('faults and stats', () => {
  it('answers injected 429, 500 and 529 in the Anthropic envelope with small retry headers', async () => {
    emu.setFaults({
      http: [
        {
          provider: 'anthropic',
          method: 'POST',
          path: '/v1/messages/batches',
          status: 429,
          times: 1,
          retry_after_ms: 20,
        },
        { provider: 'anthropic', method: 'POST', path: '/v1/messages/batches', status: 529, times: 1 },
        {
          provider: 'anthropic',
          method: 'POST',
          path: '/v1/messages/batches',
          status: 500,
          times: 1,
          should_retry: false,
        },
      ],
    });
    const body = JSON.stringify({ requests: messageRequests(1) });
    const limited = await post(body);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after-ms')).toBe('20');
    expect(limited.headers.get('retry-after')).toBe('0.02');
    expect(limited.body).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.any(String) },
      request_id: limited.headers.get('request-id'),
    });
    const overloaded = await post(body);
    expect(overloaded.status).toBe(529);
    expect(overloaded.body.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    const failed = await post(body);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-should-retry')).toBe('false');
    expect(failed.body.error.type).toBe('api_error');

    expect((await post(body)).status).toBe(200);
    expect(emu.stats().anthropic).toEqual({ batches: 1, requests: 1, bytes: Buffer.byteLength(body) });
  });

  it('holds a delayed create after it took effect', async () => {
    emu.setFaults({
      delay: [{ provider: 'anthropic', method: 'POST', path: '/v1/messages/batches', ms: 300, times: 1 }],
    });
    const started = Date.now();
    const creating = api.create(messageRequests(2));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emu.stats().anthropic?.batches).toBe(1);
    const during = await api.json<ListBody<WireMessageBatch>>('/v1/messages/batches');
    const created = await creating;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(during.body.data.map((b) => b.id)).toEqual([created.id]);
  });

  it('resets batches and stats', async () => {
    await api.create(messageRequests(3));
    expect(emu.stats().anthropic?.requests).toBe(3);
    await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
    expect(emu.stats().anthropic).toEqual({ batches: 0, requests: 0, bytes: 0 });
    expect((await api.json<ListBody<WireMessageBatch>>('/v1/messages/batches')).body.data).toEqual([]);
  });
});

describe('scale', () => {
  const small = (i: number) =>
    JSON.stringify({
      custom_id: `r${i}`,
      params: { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: `hi ${i}` }] },
    });

  it('takes 100,000 small requests quickly and refuses 100,001', async () => {
    const created = await api.stream(100_000, small);
    expect(created.status).toBe(200);
    const done = await api.waitFor((created.body as WireMessageBatch).id);
    expect(done.request_counts.succeeded).toBe(100_000);

    // Bare elements: the count is checked before any params are.
    const tooMany = await api.stream(100_001, (i) => `{"custom_id":"r${i}","params":{}}`);
    expect(tooMany.status).toBe(400);
    expect((tooMany.body as ErrorResponse).error.message).toMatch(/at most 100000 items/);
    expect(emu.stats().anthropic?.batches).toBe(1);
  });

  it('scans a 200 MB body as it streams in', async () => {
    const tail = Buffer.from(
      `${JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'y'.repeat(2_000_000) }] })}}`,
    );
    const big = (i: number) => Buffer.concat([Buffer.from(`{"custom_id":"big-${i}","params":`), tail]);
    const created = await api.stream(100, big);
    expect(created.status).toBe(200);
    expect(emu.stats().anthropic?.bytes).toBeGreaterThan(200_000_000);
    const done = await api.waitFor((created.body as WireMessageBatch).id);
    expect(done.request_counts.succeeded).toBe(100);
  });
});
