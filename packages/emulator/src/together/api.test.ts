import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../server';
import { createTogetherProvider } from './provider';

let emu: EmulatorHandle;
let base: string;
const AUTH = { authorization: 'Bearer k' };

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 30, seed: 3, providers: [createTogetherProvider] });
  base = `${emu.url}/together/v1`;
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

// biome-ignore lint/suspicious/noExplicitAny: wire answers read field by field in assertions
type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json, text };
}

/** `POST /files` as the SDKs send it: the fields in the query and as a form; redirects not followed. */
async function startUpload(fileName: string, purpose = 'batch-api') {
  const fields = new URLSearchParams({ file_name: fileName, file_type: 'jsonl', purpose });
  return fetch(`${base}/files?${fields}`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
}

async function upload(fileName: string, text: string): Promise<Json> {
  const start = await startUpload(fileName);
  const put = await fetch(start.headers.get('location')!, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: text,
  });
  expect(put.status).toBe(200);
  return (await call('GET', `/files/${start.headers.get('x-together-file-id')}`)).body;
}

const line = (id: string, content: string, extra: Json = {}) =>
  JSON.stringify({
    custom_id: id,
    body: {
      model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      messages: [{ role: 'user', content }],
      ...extra,
    },
  });

async function until(id: string, done: (batch: Json) => boolean): Promise<Json> {
  for (;;) {
    const { body } = await call('GET', `/batches/${id}`);
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Together emulator: files', () => {
  it('answers the upload with a 302 to a signed URL and the file id, and keeps the name verbatim', async () => {
    const start = await startUpload('chunk-a_r0_c0.jsonl');
    expect(start.status).toBe(302);
    const id = start.headers.get('x-together-file-id');
    expect(id).toMatch(/^file-/);
    expect(start.headers.get('location')).toMatch(new RegExp(`/together/upload/${id}\\?sig=[0-9a-f]{64}$`));
    // No file until its bytes came.
    expect((await call('GET', `/files/${id}`)).status).toBe(404);

    const text = `${line('a', 'one')}\n${line('b', 'two')}\n`;
    const file = await upload('chunk-a_r0_c0.jsonl', text);
    expect(file).toEqual({
      id: expect.stringMatching(/^file-/),
      object: 'file',
      bytes: Buffer.byteLength(text),
      created_at: expect.any(Number),
      filename: 'chunk-a_r0_c0.jsonl',
      FileType: 'jsonl',
      purpose: 'batch-api',
      Processed: true,
    });
    expect((await call('GET', '/files')).body).toEqual({ data: [file] });
    expect((await call('POST', `/files/${file.id}/preprocess`)).body).toEqual(file);
    const content = await fetch(`${base}/files/${file.id}/content`, { headers: AUTH });
    expect(await content.text()).toBe(text);
    expect((await call('DELETE', `/files/${file.id}`)).body).toEqual({ id: file.id, deleted: true });
    expect((await call('GET', '/files')).body).toEqual({ data: [] });
    expect(emu.stats().together?.bytes).toBe(Buffer.byteLength(text));
  });

  it('refuses a PUT whose signature does not match, one that also carries an API key, and one of no declared length', async () => {
    const start = await startUpload('x.jsonl');
    const location = start.headers.get('location')!;
    const forged = await fetch(
      location.replace(/sig=[0-9a-f]/, (m) => (m.endsWith('0') ? 'sig=1' : 'sig=0')),
      {
        method: 'PUT',
        body: line('a', 'x'),
      },
    );
    expect(forged.status).toBe(403);
    const keyed = await fetch(location, { method: 'PUT', headers: AUTH, body: line('a', 'x') });
    expect(keyed.status).toBe(400);
    // A streamed body without a declared length (chunked) is refused, as a storage host refuses it.
    const chunked = await fetch(location, {
      method: 'PUT',
      body: new Blob([line('a', 'x')]).stream(),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(chunked.status).toBe(411);
    expect((await call('GET', '/files')).body).toEqual({ data: [] });
  });

  it('refuses an unknown purpose and a missing name', async () => {
    expect((await startUpload('x.jsonl', 'batch')).status).toBe(400);
    const none = await fetch(`${base}/files?purpose=batch-api`, {
      method: 'POST',
      headers: AUTH,
      redirect: 'manual',
    });
    expect(none.status).toBe(400);
  });

  it('asks for the API key everywhere but on the signed URL', async () => {
    const response = await call('GET', '/batches', undefined, {});
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: { message: expect.any(String) } });
  });
});

describe('Together emulator: batches', () => {
  it('creates with 201 {job}, lists a bare array, and completes with output lines matched by custom id', async () => {
    const file = await upload(
      'c.jsonl',
      [line('a', 'alpha'), line('b', 'beta'), line('c', 'gamma')].join('\n'),
    );
    const created = await call('POST', '/batches', {
      endpoint: '/v1/chat/completions',
      input_file_id: file.id,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      job: expect.objectContaining({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 'VALIDATING',
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        progress: 0,
        model_id: '',
        file_size_bytes: file.bytes,
      }),
    });
    const id = created.body.job.id;
    expect(Date.parse(created.body.job.created_at)).not.toBeNaN();
    expect(Date.parse(created.body.job.job_deadline) - Date.parse(created.body.job.created_at)).toBe(
      86_400_000,
    );
    const listed = await call('GET', '/batches');
    expect(Array.isArray(listed.body)).toBe(true);
    expect(listed.body.map((b: Json) => b.id)).toEqual([id]);

    const done = await until(id, (b) => b.status === 'COMPLETED');
    expect(done).toMatchObject({ progress: 100, model_id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' });
    expect(done.error_file_id).toBeUndefined();
    const output = await fetch(`${base}/files/${done.output_file_id}/content`, { headers: AUTH });
    const lines = (await output.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['a', 'b', 'c']);
    expect(lines[0]).toMatchObject({
      response: {
        status_code: 200,
        body: {
          object: 'chat.completion',
          choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: expect.any(String) } }],
          usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
        },
      },
    });
  });

  it('writes a refused request to the error file in the guide’s shape; a line without a model is invalid_model', async () => {
    const noModel = JSON.stringify({ custom_id: 'm', body: { messages: [{ role: 'user', content: 'x' }] } });
    const file = await upload(
      'e.jsonl',
      [line('ok', 'fine'), line('bad', 'x', { max_tokens: 0 }), noModel].join('\n'),
    );
    const { body } = await call('POST', '/batches', {
      endpoint: '/v1/chat/completions',
      input_file_id: file.id,
    });
    const done = await until(body.job.id, (b) => b.status === 'COMPLETED');
    const errors = await fetch(`${base}/files/${done.error_file_id}/content`, { headers: AUTH });
    const lines = (await errors.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    expect(lines.sort((a, b) => a.custom_id.localeCompare(b.custom_id))).toEqual([
      {
        custom_id: 'bad',
        error: { message: expect.stringContaining('max_tokens'), code: 'invalid_request' },
      },
      { custom_id: 'm', error: { message: 'Invalid model specified', code: 'invalid_model' } },
    ]);
  });

  it('warns about a completion window other than 24h, and runs the batch anyway', async () => {
    const file = await upload('w.jsonl', line('a', 'x'));
    const { status, body } = await call('POST', '/batches', {
      endpoint: '/v1/chat/completions',
      input_file_id: file.id,
      completion_window: '48h',
    });
    expect(status).toBe(201);
    expect(body.warning).toContain('24h');
    expect(
      (await until(body.job.id, (b) => b.status !== 'VALIDATING' && b.status !== 'IN_PROGRESS')).status,
    ).toBe('COMPLETED');
  });

  it('fails a batch whose file has a line that is not a request, naming the line', async () => {
    const file = await upload('v.jsonl', `${line('a', 'x')}\nnot json\n`);
    const { body } = await call('POST', '/batches', {
      endpoint: '/v1/chat/completions',
      input_file_id: file.id,
    });
    const done = await until(body.job.id, (b) => b.status === 'FAILED');
    expect(done.error).toBe('Line 2: not valid JSON.');
    expect(done.output_file_id).toBeUndefined();
  });

  it('refuses a create on an unknown file, an unknown endpoint, or embeddings', async () => {
    const file = await upload('r.jsonl', line('a', 'x'));
    expect(
      (await call('POST', '/batches', { endpoint: '/v1/chat/completions', input_file_id: 'file-x' })).status,
    ).toBe(404);
    expect(
      (await call('POST', '/batches', { endpoint: '/v1/embeddings', input_file_id: file.id })).status,
    ).toBe(400);
    expect((await call('GET', '/batches/nope')).status).toBe(404);
  });

  it('cancels a validating batch at once, and refuses to cancel an ended one', async () => {
    emu.setFaults({ slow_factor: 100 });
    const file = await upload('k.jsonl', line('a', 'x'));
    const { body } = await call('POST', '/batches', {
      endpoint: '/v1/chat/completions',
      input_file_id: file.id,
    });
    const cancelled = await call('POST', `/batches/${body.job.id}/cancel`);
    expect(cancelled.body).toMatchObject({ id: body.job.id, status: 'CANCELLED' });
    const again = await call('POST', `/batches/${body.job.id}/cancel`);
    expect(again.status).toBe(400);
  });
});

describe('Together emulator: client env', () => {
  it('points TOGETHER_BASE_URL at /together/v1', () => {
    expect(emu.clientEnv).toEqual({ TOGETHER_BASE_URL: `${emu.url}/together/v1` });
  });
});
