import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../server';
import { createGoogleProviders } from '../vertex/google-providers';
import { crc32c, crc32cBase64 } from './crc32c';
import type { WireObject, WireObjectList } from './object-resource';

let emu: EmulatorHandle;
let gcs: string;

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 50, providers: [createGoogleProviders] });
  gcs = `${emu.url}/gcs`;
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');

async function startSession(bucket: string, name: string): Promise<string> {
  const response = await fetch(
    `${gcs}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'application/jsonl' }),
    },
  );
  expect(response.status).toBe(200);
  const location = response.headers.get('location')!;
  expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gcs\/upload\/storage\/v1\/b\/.+upload_id=/);
  return location;
}

async function putRange(session: string, range: string, body?: Buffer): Promise<Response> {
  return fetch(session, { method: 'PUT', headers: { 'content-range': range }, body });
}

describe('GCS uploads', () => {
  it('completes a single-request resumable upload (bytes 0-*/*) with size, md5 and crc32c', async () => {
    const data = Buffer.from('{"a":1}\n{"b":"ünïcødé 🎉"}\n');
    const session = await startSession('bkt', 'dir/in.jsonl');
    const response = await putRange(session, 'bytes 0-*/*', data);
    expect(response.status).toBe(200);
    const object = (await response.json()) as WireObject;
    expect(object).toMatchObject({
      kind: 'storage#object',
      name: 'dir/in.jsonl',
      bucket: 'bkt',
      size: String(data.length),
      md5Hash: md5(data),
      crc32c: crc32cBase64(crc32c(data)),
      contentType: 'application/jsonl',
      metageneration: '1',
    });
    expect(object.generation).toMatch(/^\d+$/);
    // A retried PUT after completion answers with the object again.
    expect((await putRange(session, 'bytes */*')).status).toBe(200);

    for (const base of [`${gcs}/storage/v1`, gcs]) {
      const meta = (await (
        await fetch(`${base}/b/bkt/o/${encodeURIComponent('dir/in.jsonl')}`)
      ).json()) as WireObject;
      expect(meta.generation).toBe(object.generation);
      const media = await fetch(`${base}/b/bkt/o/${encodeURIComponent('dir/in.jsonl')}?alt=media`);
      expect(Buffer.from(await media.arrayBuffer())).toEqual(data);
      expect(media.headers.get('x-goog-hash')).toBe(`crc32c=${object.crc32c},md5=${object.md5Hash}`);
    }
    expect(emu.stats().vertex).toMatchObject({ bytes: data.length, batches: 0 });
  });

  it('takes a chunked resumable upload: 308 with Range, status probe, overlapping resend', async () => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251;
    const session = await startSession('bkt', 'big.bin');
    const first = await putRange(session, 'bytes 0-262143/*', data.subarray(0, 262_144));
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe('bytes=0-262143');
    const probe = await putRange(session, 'bytes */*');
    expect(probe.status).toBe(308);
    expect(probe.headers.get('range')).toBe('bytes=0-262143');
    // The client resends from 200000: the server drops what it already has.
    const last = await putRange(session, `bytes 200000-299999/300000`, data.subarray(200_000));
    expect(last.status).toBe(200);
    const object = (await last.json()) as WireObject;
    expect(object.size).toBe('300000');
    expect(object.crc32c).toBe(crc32cBase64(crc32c(data)));
    const media = await fetch(`${gcs}/b/bkt/o/big.bin?alt=media`);
    expect(Buffer.from(await media.arrayBuffer()).equals(data)).toBe(true);

    const empty = await startSession('bkt', 'empty');
    expect((await putRange(empty, 'bytes */0')).status).toBe(200);
    const gap = await startSession('bkt', 'gap');
    expect((await putRange(gap, 'bytes 10-19/20', Buffer.alloc(10))).status).toBe(400);
  });

  it('takes multipart/related uploads and media uploads, honours ifGenerationMatch=0', async () => {
    const boundary = 'b0undary';
    const name = 'dir/ünï 🎉.jsonl';
    const media = Buffer.from(`x\r\n--${boundary.slice(0, 4)} not a delimiter\n`.repeat(2000));
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ contentType: 'text/plain', metadata: { k: 'v' } })}\r\n`,
      ),
      Buffer.from(`--${boundary}\r\nContent-Type: text/plain\r\n\r\n`),
      media,
      Buffer.from(`\r\n--${boundary}--`),
    ]);
    const response = await fetch(
      `${gcs}/upload/storage/v1/b/bkt/o?uploadType=multipart&name=${encodeURIComponent(name)}`,
      { method: 'POST', headers: { 'content-type': `multipart/related; boundary=${boundary}` }, body },
    );
    expect(response.status).toBe(200);
    const object = (await response.json()) as WireObject;
    expect(object).toMatchObject({
      name,
      size: String(media.length),
      md5Hash: md5(media),
      contentType: 'text/plain',
      metadata: { k: 'v' },
    });

    const again = await fetch(
      `${gcs}/upload/storage/v1/b/bkt/o?uploadType=media&name=${encodeURIComponent(name)}&ifGenerationMatch=0`,
      {
        method: 'POST',
        body: 'x',
      },
    );
    expect(again.status).toBe(412);
    expect(await again.json()).toMatchObject({
      error: { code: 412, errors: [{ reason: 'conditionNotMet' }] },
    });

    const simple = await fetch(`${gcs}/upload/storage/v1/b/bkt/o?uploadType=media&name=plain.txt`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '0123456789',
    });
    expect(((await simple.json()) as WireObject).size).toBe('10');
    const ranged = await fetch(`${gcs}/b/bkt/o/plain.txt?alt=media`, { headers: { range: 'bytes=2-4' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await ranged.text()).toBe('234');
  });
});

describe('GCS listing and deletion', () => {
  async function put(name: string, text = 'x') {
    await fetch(`${gcs}/upload/storage/v1/b/lst/o?uploadType=media&name=${encodeURIComponent(name)}`, {
      method: 'POST',
      body: text,
    });
  }

  it('lists with prefix, delimiter and pages, in byte order', async () => {
    for (const name of [
      'a/1.jsonl',
      'a/2.jsonl',
      'a/sub/3.jsonl',
      'a/sub/4.jsonl',
      'a/z.jsonl',
      'b/5.jsonl',
      'a/😀.jsonl',
      'a/\uffff.jsonl',
    ]) {
      await put(name);
    }
    const list = async (query: string) =>
      (await (await fetch(`${gcs}/storage/v1/b/lst/o?${query}`)).json()) as WireObjectList;

    const top = await list('delimiter=/');
    expect(top.items).toBeUndefined();
    expect(top.prefixes).toEqual(['a/', 'b/']);

    const underA = await list(`prefix=a/&delimiter=/`);
    // UTF-8 byte order: U+FFFF (EF BF BF) sorts before U+1F600 (F0 9F 98 80).
    expect(underA.items!.map((o) => o.name)).toEqual([
      'a/1.jsonl',
      'a/2.jsonl',
      'a/z.jsonl',
      'a/\uffff.jsonl',
      'a/😀.jsonl',
    ]);
    expect(underA.prefixes).toEqual(['a/sub/']);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await list(`prefix=a/&delimiter=/&maxResults=2${token ? `&pageToken=${token}` : ''}`);
      seen.push(...(page.items ?? []).map((o) => o.name), ...(page.prefixes ?? []));
      expect((page.items?.length ?? 0) + (page.prefixes?.length ?? 0)).toBeLessThanOrEqual(2);
      token = page.nextPageToken;
    } while (token);
    expect(seen.sort()).toEqual([...underA.items!.map((o) => o.name), 'a/sub/'].sort());

    const all = await list('');
    expect(all.items).toHaveLength(8);
  });

  it('deletes with 204 and answers 404 in the JSON API error shape afterwards', async () => {
    await put('gone.txt');
    const deleted = await fetch(`${gcs}/storage/v1/b/lst/o/gone.txt`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const missing = await fetch(`${gcs}/storage/v1/b/lst/o/gone.txt`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/json/);
    expect(await missing.json()).toEqual({
      error: {
        code: 404,
        message: 'No such object: lst/gone.txt',
        errors: [{ message: 'No such object: lst/gone.txt', domain: 'global', reason: 'notFound' }],
      },
    });
    expect((await fetch(`${gcs}/storage/v1/b/lst/o/gone.txt`, { method: 'DELETE' })).status).toBe(404);
  });

  it('injects GCS faults under provider "gcs"', async () => {
    emu.setFaults({ http: [{ provider: 'gcs', status: 503, times: 1 }] });
    const failed = await fetch(`${gcs}/storage/v1/b/lst/o`);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ error: { code: 503, errors: [{ reason: 'backendError' }] } });
    expect((await fetch(`${gcs}/storage/v1/b/lst/o`)).status).toBe(200);
  });
});
