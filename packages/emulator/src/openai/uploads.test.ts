import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Upload } from 'openai/resources/uploads/uploads';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from '../core/blob-store';
import { FaultRegistry } from '../core/faults';
import type { EmulatorContext } from '../core/provider';
import { Scheduler } from '../core/scheduler';
import { StatsRegistry } from '../core/stats';
import type { EmulatorHandle } from '../server';
import { chatLines, openEmulator, readJsonl, waitFor } from '../test-support';
import { FileRegistry } from './file-registry';
import type { BatchResultLine } from './types';
import { parseUploadCreate } from './upload-params';
import { UploadService } from './upload-service';

let emu: EmulatorHandle;
let client: OpenAI;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'uploads-test-'));
  ({ emu, client } = await openEmulator({ dataDir }));
});
afterAll(async () => {
  await emu.close();
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  emu.resetAll();
});

const UPLOAD_KEYS = [
  'bytes',
  'created_at',
  'expires_at',
  'file',
  'filename',
  'id',
  'object',
  'purpose',
  'status',
].sort();

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

/** Blobs of parts still on disk. */
async function partBlobs(): Promise<string[]> {
  const [store] = await readdir(dataDir);
  return (await readdir(join(dataDir, store!))).filter((name) => name.startsWith('part-'));
}

async function errorOf(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

async function createUpload(bytes: number, filename = 'input.jsonl'): Promise<Upload> {
  return client.uploads.create({ bytes, filename, mime_type: 'application/jsonl', purpose: 'batch' });
}

describe('uploads', () => {
  it('joins parts in the listed order into a file a batch runs from', async () => {
    const content = `${chatLines(6).join('\n')}\n`;
    const bytes = Buffer.from(content);
    // Cut mid-line, so the order of the parts matters.
    const chunks = [bytes.subarray(0, 100), bytes.subarray(100, 555), bytes.subarray(555)];

    const upload = await createUpload(bytes.length);
    expect(Object.keys(upload).sort()).toEqual(UPLOAD_KEYS);
    expect(upload).toMatchObject({
      object: 'upload',
      bytes: bytes.length,
      filename: 'input.jsonl',
      purpose: 'batch',
      status: 'pending',
      file: null,
    });
    expect(upload.id).toMatch(/^upload_[0-9a-f]{32}$/);
    expect(upload.expires_at).toBe(upload.created_at + 3600);

    // Sent last part first, and in parallel: `part_ids` decides the order.
    const [third, first, second] = await Promise.all([
      client.uploads.parts.create(upload.id, { data: new File([chunks[2]!], 'p') }),
      client.uploads.parts.create(upload.id, { data: new File([chunks[0]!], 'p') }),
      client.uploads.parts.create(upload.id, { data: new Blob([chunks[1]!]) }),
    ]);
    expect(Object.keys(first).sort()).toEqual(['created_at', 'id', 'object', 'upload_id']);
    expect(first).toMatchObject({ object: 'upload.part', upload_id: upload.id });
    expect(first.id).toMatch(/^part_[0-9a-f]{32}$/);
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    expect(await partBlobs()).toHaveLength(3);

    const completed = await client.uploads.complete(upload.id, {
      part_ids: [first.id, second.id, third.id],
      md5: md5(bytes),
    });
    expect(Object.keys(completed).sort()).toEqual(UPLOAD_KEYS);
    expect(completed).toMatchObject({ id: upload.id, status: 'completed', bytes: bytes.length });
    const file = completed.file!;
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'input.jsonl',
      bytes: bytes.length,
      status: 'processed',
      status_details: null,
    });
    expect(file.id).toMatch(/^file-[A-Za-z0-9]{22}$/);
    expect(file.expires_at).toBe(file.created_at + 30 * 86_400);
    expect(await partBlobs()).toHaveLength(0);

    expect(await client.files.retrieve(file.id)).toEqual(file);
    expect(await (await client.files.content(file.id)).text()).toBe(content);

    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const done = await waitFor(client, batch.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 6, completed: 6, failed: 0 });
    const results = await readJsonl<BatchResultLine>(client, done.output_file_id!);
    expect(results.map((line) => line.custom_id).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `req-${i}`).sort(),
    );
    expect(results.every((line) => line.response?.status_code === 200)).toBe(true);

    expect(emu.stats().openai).toEqual({ batches: 1, requests: 6, bytes: bytes.length });
  });

  it('refuses a completion whose parts do not add up, and stays pending', async () => {
    const upload = await createUpload(10);
    const a = await client.uploads.parts.create(upload.id, { data: new File(['12345'], 'p') });
    const b = await client.uploads.parts.create(upload.id, { data: new File(['678'], 'p') });

    const short = await errorOf(client.uploads.complete(upload.id, { part_ids: [a.id, b.id] }));
    expect(short).toBeInstanceOf(OpenAI.BadRequestError);
    expect(short.status).toBe(400);
    expect(short.param).toBe('part_ids');
    expect(short.message).toContain('8 bytes');
    expect(short.error).toMatchObject({ type: 'invalid_request_error' });

    const unknown = await errorOf(client.uploads.complete(upload.id, { part_ids: [a.id, 'part_nope'] }));
    expect(unknown.status).toBe(400);
    expect(unknown.param).toBe('part_ids');
    const twice = await errorOf(client.uploads.complete(upload.id, { part_ids: [a.id, a.id] }));
    expect(twice.status).toBe(400);

    const c = await client.uploads.parts.create(upload.id, { data: new File(['90'], 'p') });
    const badMd5 = await errorOf(
      client.uploads.complete(upload.id, { part_ids: [a.id, b.id, c.id], md5: md5('nope') }),
    );
    expect(badMd5.status).toBe(400);
    expect(badMd5.param).toBe('md5');

    // A part from another upload is unknown here.
    const other = await createUpload(2);
    const foreign = await client.uploads.parts.create(other.id, { data: new File(['xx'], 'p') });
    const mixed = await errorOf(client.uploads.complete(upload.id, { part_ids: [a.id, b.id, foreign.id] }));
    expect(mixed.status).toBe(400);

    // Unlisted parts are dropped; the order is the listed one.
    const done = await client.uploads.complete(upload.id, { part_ids: [c.id, a.id, b.id] });
    expect(done.status).toBe('completed');
    expect(await (await client.files.content(done.file!.id)).text()).toBe('9012345678');

    const again = await errorOf(client.uploads.complete(upload.id, { part_ids: [a.id, b.id, c.id] }));
    expect(again.status).toBe(400);
    const late = await errorOf(client.uploads.parts.create(upload.id, { data: new File(['x'], 'p') }));
    expect(late.status).toBe(400);
    expect(emu.stats().openai?.bytes).toBe(5 + 3 + 2 + 2);
  });

  it('cancels: parts are dropped and the upload takes no more', async () => {
    const upload = await createUpload(4);
    const part = await client.uploads.parts.create(upload.id, { data: new File(['abcd'], 'p') });
    expect(await partBlobs()).toHaveLength(1);

    const cancelled = await client.uploads.cancel(upload.id);
    expect(Object.keys(cancelled).sort()).toEqual(UPLOAD_KEYS);
    expect(cancelled).toMatchObject({ id: upload.id, status: 'cancelled', file: null, bytes: 4 });
    expect(await partBlobs()).toHaveLength(0);

    for (const call of [
      () => client.uploads.parts.create(upload.id, { data: new File(['abcd'], 'p') }),
      () => client.uploads.complete(upload.id, { part_ids: [part.id] }),
      () => client.uploads.cancel(upload.id),
    ]) {
      expect((await errorOf(call())).status).toBe(400);
    }
    expect(await partBlobs()).toHaveLength(0);
    expect((await client.files.list()).data).toHaveLength(0);

    for (const call of [
      () => client.uploads.cancel('upload_nope'),
      () => client.uploads.complete('upload_nope', { part_ids: [] }),
      () => client.uploads.parts.create('upload_nope', { data: new File(['x'], 'p') }),
    ]) {
      expect(await errorOf(call())).toBeInstanceOf(OpenAI.NotFoundError);
    }
  });

  it('streams a 20 MB file in four parts', async () => {
    const partBytes = 5 * 1024 * 1024;
    const line = `${JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/embeddings', body: { input: 'y'.repeat(60) } })}\n`;
    const makePart = (i: number) => {
      const buf = Buffer.alloc(partBytes, line);
      buf[0] = 0x30 + i; // each part differs
      return buf;
    };
    const whole = createHash('md5');
    for (let i = 0; i < 4; i++) whole.update(makePart(i));
    const digest = whole.digest('hex');

    const upload = await client.uploads.create({
      bytes: 4 * partBytes,
      filename: 'big.jsonl',
      mime_type: 'application/x-ndjson',
      purpose: 'batch',
      expires_after: { anchor: 'created_at', seconds: 7200 },
    });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await client.uploads.parts.create(upload.id, { data: new File([makePart(i)], `p${i}`) })).id);
    }
    const done = await client.uploads.complete(upload.id, { part_ids: ids, md5: digest });
    expect(done.file).toMatchObject({ bytes: 4 * partBytes, filename: 'big.jsonl' });
    expect(done.file!.expires_at).toBe(done.file!.created_at + 7200);

    const hash = createHash('md5');
    let received = 0;
    const response = await client.files.content(done.file!.id);
    for await (const chunk of response.body! as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
    }
    expect(received).toBe(4 * partBytes);
    expect(hash.digest('hex')).toBe(digest);
    expect(emu.stats().openai?.bytes).toBe(4 * partBytes);
  });

  it('validates the create parameters', async () => {
    const base = { bytes: 10, filename: 'in.jsonl', mime_type: 'application/jsonl', purpose: 'batch' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, bytes: 8 * 1024 ** 3 + 1 }, 'bytes'],
      [{ ...base, bytes: -1 }, 'bytes'],
      [{ ...base, bytes: 1.5 }, 'bytes'],
      [{ ...base, bytes: undefined }, 'bytes'],
      [{ ...base, filename: undefined }, 'filename'],
      [{ ...base, purpose: 'batch_output' }, 'purpose'],
      [{ ...base, mime_type: undefined }, 'mime_type'],
      [{ ...base, mime_type: 'text/plain' }, 'mime_type'],
      [{ ...base, mime_type: 'application/json' }, 'mime_type'],
      [{ ...base, mime_type: 'text/jsonl' }, 'mime_type'],
      [{ ...base, purpose: 'vision' }, 'mime_type'],
      [{ ...base, expires_after: { anchor: 'created_at', seconds: 60 } }, 'expires_after.seconds'],
      [{ ...base, expires_after: { anchor: 'now', seconds: 3600 } }, 'expires_after.anchor'],
    ];
    for (const [params, param] of cases) {
      const error = await errorOf(client.uploads.create(params as never));
      expect(error.status, JSON.stringify(params)).toBe(400);
      expect(error.param, JSON.stringify(params)).toBe(param);
    }

    const ok = await client.uploads.create({
      ...base,
      bytes: 8 * 1024 ** 3,
      mime_type: 'Application/JSONL',
    } as never);
    expect(ok.status).toBe('pending');
    const image = await client.uploads.create({
      ...base,
      purpose: 'vision',
      mime_type: 'image/png',
    } as never);
    expect(image.purpose).toBe('vision');
    const notes = await client.uploads.create({
      ...base,
      purpose: 'user_data',
      mime_type: 'text/csv',
    } as never);
    expect(notes.purpose).toBe('user_data');

    const res = await fetch(`${emu.openaiBaseUrl}/uploads/${ok.id}/parts`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: (() => {
        const form = new FormData();
        form.append('other', new Blob(['x']), 'x');
        return form;
      })(),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('data');
    expect(await partBlobs()).toHaveLength(0);
  });

  it('refuses a part over 64 MB without keeping it', async () => {
    const upload = await createUpload(64 * 1024 * 1024 + 1);
    const error = await errorOf(
      client.uploads.parts.create(upload.id, { data: new File([Buffer.alloc(64 * 1024 * 1024 + 1)], 'p') }),
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe('data');
    expect(await partBlobs()).toHaveLength(0);
    expect(emu.stats().openai?.bytes).toBe(0);

    const exact = await client.uploads.parts.create(upload.id, {
      data: new File([Buffer.alloc(64 * 1024 * 1024)], 'p'),
    });
    expect(exact.upload_id).toBe(upload.id);
  });

  it('shares auth, faults and the error envelope with the other routes', async () => {
    const unauthorized = await fetch(`${emu.openaiBaseUrl}/uploads`, { method: 'POST' });
    expect(unauthorized.status).toBe(401);

    const upload = await createUpload(3);
    emu.setFaults({
      http: [{ method: 'POST', path: '^/uploads/[^/]+/parts$', status: 429, times: 1, retry_after_ms: 5 }],
      delay: [{ method: 'POST', path: '^/uploads/[^/]+/complete$', ms: 150, times: 1 }],
    });
    // The SDK retries the 429 with the same body; one part is stored and counted.
    const part = await client.uploads.parts.create(upload.id, { data: new File(['abc'], 'p') });
    expect(await partBlobs()).toHaveLength(1);
    expect(emu.stats().openai?.bytes).toBe(3);

    const started = Date.now();
    const done = await client.uploads.complete(upload.id, { part_ids: [part.id] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(done.status).toBe('completed');

    const noRetrieve = await fetch(`${emu.openaiBaseUrl}/uploads/${upload.id}`, {
      headers: { authorization: 'Bearer k' },
    });
    expect(noRetrieve.status).toBe(404);
    const badJson = await fetch(`${emu.openaiBaseUrl}/uploads`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(badJson.status).toBe(400);
    expect(Object.keys(((await badJson.json()) as { error: object }).error).sort()).toEqual([
      'code',
      'message',
      'param',
      'type',
    ]);
  });
});

describe('upload expiry', () => {
  it('expires a pending upload an hour after creation and drops its parts', async () => {
    let now = Date.UTC(2025, 0, 1);
    const clock = { now: () => now };
    const blobs = await BlobStore.open();
    const ctx: EmulatorContext = {
      clock,
      scheduler: new Scheduler(clock),
      faults: new FaultRegistry(1),
      stats: new StatsRegistry(),
      blobs,
      stepMs: 10,
    };
    try {
      const service = new UploadService(ctx, new FileRegistry());
      const params = parseUploadCreate({
        bytes: 1,
        filename: 'a.jsonl',
        mime_type: 'application/jsonl',
        purpose: 'batch',
      });
      const upload = service.create(params);
      const path = blobs.newPath('part');
      await writeFile(path, 'x');
      const part = service.addPart(upload.id, path, 1);

      now += 3600 * 1000 - 1;
      expect(() => service.assertAcceptsParts(upload.id)).not.toThrow();
      now += 1;
      expect(() => service.assertAcceptsParts(upload.id)).toThrow(/'expired'/);
      await expect(service.complete(upload.id, { partIds: [part.id], md5: null })).rejects.toMatchObject({
        status: 400,
      });
      await expect(service.cancel(upload.id)).rejects.toMatchObject({ status: 400 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await readdir(blobs.dir)).filter((name) => name.startsWith('part-'))).toHaveLength(0);
    } finally {
      await blobs.dispose();
    }
  });
});
