import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../server';
import { chatLines, openEmulator, submit, uploadLines, waitFor } from '../test-support';

let emu: EmulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  ({ emu, client } = await openEmulator());
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

async function rawFetch(path: string, init: RequestInit = {}) {
  return fetch(`${emu.openaiBaseUrl}${path}`, {
    ...init,
    headers: { authorization: 'Bearer test', 'content-type': 'application/json', ...init.headers },
  });
}

describe('files', () => {
  it('uploads, retrieves, lists, downloads and deletes', async () => {
    const lines = chatLines(3);
    const content = `${lines.join('\n')}\n`;
    const file = await uploadLines(client, lines, 'in.jsonl');
    expect(Object.keys(file).sort()).toEqual(
      [
        'bytes',
        'created_at',
        'expires_at',
        'filename',
        'id',
        'object',
        'purpose',
        'status',
        'status_details',
      ].sort(),
    );
    expect(file).toMatchObject({
      object: 'file',
      bytes: Buffer.byteLength(content),
      filename: 'in.jsonl',
      purpose: 'batch',
      status: 'processed',
      status_details: null,
    });
    expect(file.id).toMatch(/^file-[A-Za-z0-9]{22}$/);
    expect(file.expires_at).toBe(file.created_at + 30 * 86_400);

    const other = await client.files.create({
      file: await toFile(Buffer.from('{}'), 'notes.json'),
      purpose: 'user_data',
      expires_after: { anchor: 'created_at', seconds: 3600 },
    });
    expect(other.expires_at).toBe(other.created_at + 3600);

    expect(await client.files.retrieve(file.id)).toEqual(file);
    expect(await (await client.files.content(file.id)).text()).toBe(content);

    const listed = [];
    for await (const f of client.files.list({ limit: 1 })) listed.push(f.id);
    expect(listed).toEqual([other.id, file.id]);
    const batchOnly = await client.files.list({ purpose: 'batch' });
    expect(batchOnly.data.map((f) => f.id)).toEqual([file.id]);

    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.files.content(file.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(emu.stats().openai?.bytes).toBe(Buffer.byteLength(content) + 2);
  });

  it('rejects uploads without a purpose', async () => {
    const form = new FormData();
    form.append('file', new Blob(['x']), 'a.jsonl');
    const res = await fetch(`${emu.openaiBaseUrl}/files`, {
      method: 'POST',
      body: form,
      headers: { authorization: 'Bearer k' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: "Missing required parameter: 'purpose'.",
        type: 'invalid_request_error',
        param: 'purpose',
        code: 'missing_required_parameter',
      },
    });
  });
});

describe('errors', () => {
  it('requires a bearer token', async () => {
    const res = await fetch(`${emu.openaiBaseUrl}/batches`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    for (const authorization of ['Bearer ', 'Basic abc']) {
      const denied = await fetch(`${emu.openaiBaseUrl}/batches`, { headers: { authorization } });
      expect(denied.status, authorization).toBe(401);
    }
    const sdk = new OpenAI({ apiKey: 'k', baseURL: emu.openaiBaseUrl, maxRetries: 0 });
    const error = await sdk.batches.list({}, { headers: { authorization: null } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('404s unknown ids and routes in the OpenAI envelope', async () => {
    await expect(client.batches.retrieve('batch_nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.batches.cancel('batch_nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const res = await rawFetch('/nothing/here');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid URL (GET /v1/nothing/here)',
    );
  });

  it('rejects bad batch parameters with 400 and the param', async () => {
    const batchFile = await uploadLines(client, chatLines(1));
    const userFile = await client.files.create({
      file: await toFile(Buffer.from('x'), 'x.txt'),
      purpose: 'user_data',
    });
    const base = { input_file_id: batchFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' };
    const cases: Array<[Record<string, unknown>, string, number]> = [
      [{ ...base, input_file_id: undefined }, 'input_file_id', 400],
      [{ ...base, completion_window: '48h' }, 'completion_window', 400],
      // Valid on OpenAI, but not emulated.
      [{ ...base, endpoint: '/v1/moderations' }, 'endpoint', 400],
      [{ ...base, endpoint: '/v2/nope' }, 'endpoint', 400],
      [
        { ...base, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
        'metadata',
        400,
      ],
      [{ ...base, metadata: { k: 'v'.repeat(513) } }, 'metadata.k', 400],
      [{ ...base, metadata: { ['k'.repeat(65)]: 'v' } }, 'metadata', 400],
      [{ ...base, input_file_id: userFile.id }, 'input_file_id', 400],
      [{ ...base, input_file_id: 'file-missing' }, 'input_file_id', 404],
    ];
    for (const [params, param, status] of cases) {
      const error = await client.batches.create(params as unknown as OpenAI.Batches.BatchCreateParams).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, param).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status, param).toBe(status);
      expect((error as InstanceType<typeof OpenAI.APIError>).param, param).toBe(param);
    }
    expect(emu.stats().openai?.batches).toBe(0);

    const limit = await rawFetch('/batches?limit=101');
    expect(limit.status).toBe(400);
    const badJson = await rawFetch('/batches', { method: 'POST', body: '{oops' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});

describe('listing', () => {
  it('pages newest first with after and has_more', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(client, chatLines(1, `b${i}`))).id);
    const newestFirst = [...ids].reverse();

    const page = await client.batches.list({ limit: 2 });
    expect(page.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(page.has_more).toBe(true);
    const raw = (await (await rawFetch(`/batches?limit=2&after=${newestFirst[1]}`)).json()) as Record<
      string,
      unknown
    >;
    expect(raw).toMatchObject({
      object: 'list',
      first_id: newestFirst[2],
      last_id: newestFirst[3],
      has_more: true,
    });
    const last = (await (await rawFetch(`/batches?after=${newestFirst[3]}`)).json()) as Record<
      string,
      unknown
    >;
    expect(last).toMatchObject({ first_id: newestFirst[4], last_id: newestFirst[4], has_more: false });

    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual(newestFirst);
    const empty = (await (await rawFetch('/batches?after=batch_unknown')).json()) as Record<string, unknown>;
    expect(empty).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });
});

describe('faults and stats', () => {
  it('answers injected 429s with retry headers; the SDK retries and one batch is created', async () => {
    const file = await uploadLines(client, chatLines(4));
    emu.setFaults({
      http: [
        { provider: 'openai', method: 'POST', path: '/batches', status: 429, times: 3, retry_after_ms: 20 },
      ],
    });

    const res = await rawFetch('/batches', { method: 'POST', body: '{}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after-ms')).toBe('20');
    expect(res.headers.get('retry-after')).toBe('0.02');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');

    // Every attempt the SDK makes, as the emulator answered it: the two 429s left, then the create.
    const attempts: { retryCount: string | null; status: number; retryAfterMs: string | null }[] = [];
    const recording = new OpenAI({
      apiKey: 'test',
      baseURL: emu.openaiBaseUrl,
      maxRetries: 2,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        attempts.push({
          retryCount: new Headers(init?.headers).get('x-stainless-retry-count'),
          status: response.status,
          retryAfterMs: response.headers.get('retry-after-ms'),
        });
        return response;
      },
    });
    const batch = await recording.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect(attempts).toEqual([
      { retryCount: '0', status: 429, retryAfterMs: '20' },
      { retryCount: '1', status: 429, retryAfterMs: '20' },
      { retryCount: '2', status: 200, retryAfterMs: null },
    ]);
    const faults = (await (await fetch(`${emu.url}/_emulator/faults`)).json()) as { http: unknown[] };
    expect(faults.http).toEqual([]);
    expect(batch.status).toBe('validating');
    expect((await client.batches.list()).data.map((b) => b.id)).toEqual([batch.id]);
    expect(emu.stats().openai).toEqual({ batches: 1, requests: 4, bytes: file.bytes });
  });

  it('matches fault paths by regex and gives up after maxRetries', async () => {
    const res = await fetch(`${emu.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ http: [{ path: '^/batches/[^/]+$', status: 503 }] }),
    });
    expect(res.status).toBe(200);
    const batch = await submit(client, chatLines(1));
    await expect(client.batches.retrieve(batch.id)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await fetch(`${emu.url}/_emulator/faults`, { method: 'DELETE' });
    await expect(client.batches.retrieve(batch.id)).resolves.toMatchObject({ id: batch.id });
  });

  it('holds the response of a delayed call after the call took effect', async () => {
    const file = await uploadLines(client, chatLines(2));
    emu.setFaults({ delay: [{ method: 'POST', path: '/batches', ms: 300, times: 1 }] });
    const started = Date.now();
    const creating = client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = await client.batches.list();
    expect(during.data).toHaveLength(1);
    expect(emu.stats().openai?.batches).toBe(1);
    const created = await creating;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(created.id).toBe(during.data[0]?.id);

    emu.setFaults({ delay: [{ method: 'GET', path: '^/files/[^/]+/content$', ms: 150, times: 1 }] });
    const downloadStarted = Date.now();
    const text = await (await client.files.content(file.id)).text();
    expect(Date.now() - downloadStarted).toBeGreaterThanOrEqual(140);
    expect(text.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('rejects malformed fault bodies and resets everything', async () => {
    const bad = await fetch(`${emu.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ http: [{ status: 200 }] }),
    });
    expect(bad.status).toBe(400);
    expect(() => emu.setFaults({ nope: 1 } as never)).toThrow();

    await submit(client, chatLines(3));
    expect(emu.stats().openai?.requests).toBe(3);
    const reset = await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as Record<string, unknown>;
    expect(stats.openai).toEqual({ batches: 0, requests: 0, bytes: 0 });
    expect((await client.batches.list()).data).toHaveLength(0);
    expect((await fetch(`${emu.url}/_emulator/health`)).status).toBe(200);
  });
});

describe('scale', () => {
  it('runs 50,000 small requests and refuses 50,001', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) =>
      JSON.stringify({
        custom_id: `r${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${i}` }] },
      }),
    );
    const done = await waitFor(client, (await submit(client, lines)).id);
    expect(done.request_counts).toEqual({ total: 50_000, completed: 50_000, failed: 0 });

    lines.push(lines[0]!.replace('"r0"', '"extra"'));
    const tooMany = await waitFor(client, (await submit(client, lines)).id);
    expect(tooMany.status).toBe('failed');
    expect(tooMany.errors?.data?.[0]?.code).toBe('batch_too_large');
  });
});
