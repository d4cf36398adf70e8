import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../server';
import { createGeminiProvider } from './provider';

let emu: EmulatorHandle;
let base: string;
const KEY = { 'x-goog-api-key': 'k' };

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 30, seed: 7, providers: [createGeminiProvider] });
  base = `${emu.url}/gemini`;
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

// biome-ignore lint/suspicious/noExplicitAny: wire answers read field by field in assertions
type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = KEY) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as Json,
    text,
  };
}

const chatRequest = (text: string) => ({ contents: [{ parts: [{ text }] }] });

/** The resumable upload as the guide's curl does it: start, then upload+finalize at the returned URL. */
async function upload(lines: unknown[], displayName = 'input'): Promise<Json> {
  const bytes = Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const start = await fetch(`${base}/upload/v1beta/files`, {
    method: 'POST',
    headers: {
      ...KEY,
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      'x-goog-upload-header-content-length': String(bytes.length),
      'x-goog-upload-header-content-type': 'application/jsonl',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ file: { display_name: displayName } }),
  });
  expect(start.status).toBe(200);
  expect(start.headers.get('x-goog-upload-status')).toBe('active');
  const url = start.headers.get('x-goog-upload-url')!;
  expect(new URL(url).pathname).toBe('/gemini/upload/v1beta/files');
  const half = Math.floor(bytes.length / 2);
  const first = await fetch(url, {
    method: 'POST',
    headers: { ...KEY, 'x-goog-upload-command': 'upload', 'x-goog-upload-offset': '0' },
    body: bytes.subarray(0, half),
  });
  expect(first.headers.get('x-goog-upload-status')).toBe('active');
  const last = await fetch(url, {
    method: 'POST',
    headers: { ...KEY, 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': String(half) },
    body: bytes.subarray(half),
  });
  expect(last.headers.get('x-goog-upload-status')).toBe('final');
  return ((await last.json()) as { file: Json }).file;
}

async function waitDone(name: string): Promise<Json> {
  for (let i = 0; i < 500; i++) {
    const { body } = await call('GET', `/v1beta/${name}`);
    if (body.done) return body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name} never ended`);
}

describe('gemini emulator wire', () => {
  it('creates an inline batch: the create answer has no done, zero counters are left out', async () => {
    const { status, body } = await call('POST', '/v1beta/models/gemini-2.5-flash:batchGenerateContent', {
      batch: {
        display_name: 'my-batch-requests',
        input_config: {
          requests: {
            requests: [
              { request: chatRequest('Describe photosynthesis.'), metadata: { key: 'request-1' } },
              { request: chatRequest('Why is the sky blue?'), metadata: { key: 'request-2' } },
            ],
          },
        },
      },
    });
    expect(status).toBe(200);
    expect(body.name).toMatch(/^batches\/[a-z0-9]{36}$/);
    expect(body.done).toBeUndefined();
    expect(body.metadata).toMatchObject({
      model: 'models/gemini-2.5-flash',
      displayName: 'my-batch-requests',
      state: 'BATCH_STATE_PENDING',
      batchStats: { requestCount: '2', pendingRequestCount: '2' },
    });
    expect(body.metadata.batchStats.successfulRequestCount).toBeUndefined();
    const done = await waitDone(body.name);
    expect(done.metadata.state).toBe('BATCH_STATE_SUCCEEDED');
    expect(done.metadata.batchStats).toEqual({ requestCount: '2', successfulRequestCount: '2' });
    const items = done.response.inlinedResponses.inlinedResponses as Json[];
    expect(done.metadata.output.inlinedResponses.inlinedResponses).toEqual(items);
    expect(items.map((i) => i.metadata.key).sort()).toEqual(['request-1', 'request-2']);
    expect(items[0]!.response.candidates[0].finishReason).toBe('STOP');
  });

  it('runs a file batch: responses file by key, served on both download paths, deletable', async () => {
    const file = await upload([
      { key: 'a', request: chatRequest('one') },
      { key: 'b', request: chatRequest('two') },
    ]);
    expect(file).toMatchObject({
      name: expect.stringMatching(/^files\//),
      sizeBytes: expect.any(String),
      state: 'ACTIVE',
    });
    const created = await call('POST', '/v1beta/models/gemini-2.5-flash:batchGenerateContent', {
      batch: { displayName: 'file-batch', inputConfig: { fileName: file.name } },
    });
    expect(created.body.metadata.inputConfig).toEqual({ fileName: file.name });
    const done = await waitDone(created.body.name);
    const output = done.response.responsesFile as string;
    expect(output).toMatch(/^files\/batch-/);
    const id = output.slice('files/'.length);
    const viaGuide = await fetch(`${base}/download/v1beta/files/${id}:download?alt=media`, { headers: KEY });
    const viaSdk = await fetch(`${base}/v1beta/files/${id}:download?alt=media`, { headers: KEY });
    const text = await viaGuide.text();
    expect(await viaSdk.text()).toBe(text);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    expect(lines.map((l) => l.key).sort()).toEqual(['a', 'b']);
    expect(lines[0]!.response.usageMetadata.promptTokenCount).toBeGreaterThan(0);
    // Uploaded files cannot be downloaded.
    expect((await call('GET', `/v1beta/${file.name}:download?alt=media`)).status).toBe(400);
    expect((await call('DELETE', `/v1beta/${output}`)).body).toEqual({});
    expect((await call('GET', `/v1beta/${output}`)).status).toBe(404);
  });

  it('fails a batch whose file names an unknown field (e.g. labels), with the line in the error', async () => {
    const file = await upload([
      { key: 'a', request: chatRequest('one') },
      { key: 'b', request: { ...chatRequest('two'), labels: { custom_id: 'b' } } },
    ]);
    const created = await call('POST', '/v1beta/models/gemini-2.5-flash:batchGenerateContent', {
      batch: { displayName: 'bad', inputConfig: { fileName: file.name } },
    });
    const done = await waitDone(created.body.name);
    expect(done.metadata.state).toBe('BATCH_STATE_FAILED');
    expect(done.error).toEqual({
      code: 3,
      message: "Error on line 2: invalid JSON, no such field: 'labels'",
    });
  });

  it('writes row errors as {key, error: Status}, the code HTTP or rpc as switched', async () => {
    emu.setFaults({ request_errors: { rate: 1, status: 429 } });
    const file = await upload([{ key: 'a', request: chatRequest('one') }]);
    const batch = { batch: { displayName: 'e', inputConfig: { fileName: file.name } } };
    const first = await waitDone(
      (await call('POST', '/v1beta/models/m:batchGenerateContent', batch)).body.name,
    );
    const id = first.response.responsesFile.slice('files/'.length);
    const line = JSON.parse(
      await (await fetch(`${base}/v1beta/files/${id}:download?alt=media`, { headers: KEY })).text(),
    );
    expect(line).toMatchObject({ key: 'a', error: { code: 429 } });
    expect(first.metadata.batchStats).toEqual({ requestCount: '1', failedRequestCount: '1' });

    await call('POST', '/_emulator/options', { row_error_code: 'rpc' });
    emu.setFaults({ request_errors: { rate: 1, status: 429 } });
    const second = await waitDone(
      (await call('POST', '/v1beta/models/m:batchGenerateContent', batch)).body.name,
    );
    const id2 = second.response.responsesFile.slice('files/'.length);
    const line2 = JSON.parse(
      await (await fetch(`${base}/v1beta/files/${id2}:download?alt=media`, { headers: KEY })).text(),
    );
    expect(line2.error.code).toBe(8);
  });

  it('embeds through asyncBatchEmbedContent with outputDimensionality', async () => {
    const file = await upload([
      {
        key: 'k',
        request: {
          content: { parts: [{ text: 'hi' }] },
          taskType: 'RETRIEVAL_DOCUMENT',
          outputDimensionality: 768,
        },
      },
    ]);
    const created = await call('POST', '/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent', {
      batch: { displayName: 'emb', inputConfig: { file_name: file.name } },
    });
    expect(created.body.metadata['@type']).toContain('EmbedContentBatch');
    const done = await waitDone(created.body.name);
    const id = done.response.responsesFile.slice('files/'.length);
    const line = JSON.parse(
      await (await fetch(`${base}/v1beta/files/${id}:download?alt=media`, { headers: KEY })).text(),
    );
    expect(line.key).toBe('k');
    expect(line.response.embedding.values).toHaveLength(768);
  });

  it('lists newest first with pageToken, cancels, refuses cancelling an ended batch, deletes', async () => {
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await call('POST', '/v1beta/models/m:batchGenerateContent', {
        batch: {
          displayName: `b${i}`,
          inputConfig: { requests: { requests: [{ request: chatRequest('x'), metadata: { key: 'k' } }] } },
        },
      });
      names.push(body.name);
    }
    const page1 = await call('GET', '/v1beta/batches?pageSize=2');
    expect(page1.body.operations.map((o: Json) => o.metadata.displayName)).toEqual(['b2', 'b1']);
    const page2 = await call('GET', `/v1beta/batches?pageSize=2&pageToken=${page1.body.nextPageToken}`);
    expect(page2.body.operations.map((o: Json) => o.metadata.displayName)).toEqual(['b0']);
    expect(page2.body.nextPageToken).toBeUndefined();

    expect((await call('POST', `/v1beta/${names[0]}:cancel`, {})).body).toEqual({});
    expect((await waitDone(names[0]!)).metadata.state).toBe('BATCH_STATE_CANCELLED');
    await waitDone(names[1]!);
    const refused = await call('POST', `/v1beta/${names[1]}:cancel`, {});
    expect(refused.status).toBe(400);
    expect(refused.body.error.status).toBe('FAILED_PRECONDITION');
    expect((await call('DELETE', `/v1beta/${names[1]}`)).body).toEqual({});
    expect((await call('GET', `/v1beta/${names[1]}`)).status).toBe(404);
  });

  it('expires a batch with the expire fault: EXPIRED, no output', async () => {
    emu.setFaults({ expire: { fraction_completed: 0.5 } });
    const { body } = await call('POST', '/v1beta/models/m:batchGenerateContent', {
      batch: {
        displayName: 'x',
        inputConfig: { requests: { requests: [{ request: chatRequest('x'), metadata: { key: 'k' } }] } },
      },
    });
    const done = await waitDone(body.name);
    expect(done.metadata.state).toBe('BATCH_STATE_EXPIRED');
    expect(done.response).toBeUndefined();
  });

  it('takes the key as ?key=, refuses a call without one, and inline requests over 20 MB', async () => {
    expect((await call('GET', '/v1beta/batches?key=k', undefined, {})).status).toBe(200);
    const refused = await call('GET', '/v1beta/batches', undefined, {});
    expect(refused.status).toBe(403);
    const big = 'x'.repeat(21_000_000);
    const tooBig = await call('POST', '/v1beta/models/m:batchGenerateContent', {
      batch: { displayName: 'big', inputConfig: { requests: { requests: [{ request: chatRequest(big) }] } } },
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.status).toBe('INVALID_ARGUMENT');
  });
});
