import { createHash } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { createGoogleProviders, type EmulatorHandle, startEmulator } from '@tranche/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The GCS emulator through the storage SDK itself, beyond the calls the adapter makes.
let emu: EmulatorHandle;
let storage: Storage;

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 40, providers: [createGoogleProviders] });
  storage = new Storage({ apiEndpoint: `${emu.url}/gcs`, projectId: 'test-proj' });
});
afterAll(async () => {
  await emu.close();
});

describe('@google-cloud/storage against the GCS emulator', () => {
  it('saves (resumable and multipart), reads back with hash validation, lists, deletes', async () => {
    const bucket = storage.bucket('sdk');
    const text = `${'ünïcødé 🎉 line\n'.repeat(1000)}`;
    await bucket.file('a/resumable.jsonl').save(text, { contentType: 'application/jsonl' });
    await bucket.file('a/multipart.jsonl').save(text, { resumable: false, contentType: 'application/jsonl' });
    await bucket.file('b/other.txt').save('x', { resumable: false });

    for (const name of ['a/resumable.jsonl', 'a/multipart.jsonl']) {
      const [data] = await bucket.file(name).download({ validation: 'crc32c' });
      expect(data.toString('utf8')).toBe(text);
      const [metadata] = await bucket.file(name).getMetadata();
      expect(metadata.md5Hash).toBe(createHash('md5').update(text).digest('base64'));
      expect(Number(metadata.size)).toBe(Buffer.byteLength(text));
    }

    const [files, , response] = await bucket.getFiles({ delimiter: '/', autoPaginate: false });
    expect(files).toEqual([]);
    expect((response as { prefixes: string[] }).prefixes).toEqual(['a/', 'b/']);
    const [underA] = await bucket.getFiles({ prefix: 'a/' });
    expect(underA.map((file) => file.name)).toEqual(['a/multipart.jsonl', 'a/resumable.jsonl']);

    await bucket.file('a/multipart.jsonl').delete();
    expect((await bucket.file('a/multipart.jsonl').exists())[0]).toBe(false);
    expect((await bucket.file('a/resumable.jsonl').exists())[0]).toBe(true);
  });

  it('streams a chunked resumable upload (308 + Range between chunks)', async () => {
    const file = storage.bucket('sdk').file('big.bin');
    const data = Buffer.alloc(1024 * 1024 + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
    await new Promise<void>((resolve, reject) => {
      const stream = file.createWriteStream({ resumable: true, chunkSize: 256 * 1024, validation: 'crc32c' });
      stream.on('finish', () => resolve()).on('error', reject);
      for (let offset = 0; offset < data.length; offset += 100_000)
        stream.write(data.subarray(offset, offset + 100_000));
      stream.end();
    });
    const [back] = await file.download();
    expect(back.equals(data)).toBe(true);
    const [partial] = await file.download({ start: 10, end: 19 });
    expect(partial.equals(data.subarray(10, 20))).toBe(true);
  });

  it('serves STORAGE_EMULATOR_HOST clients, whose JSON API base has no /storage/v1', async () => {
    const previous = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = `${emu.url}/gcs`;
    try {
      const viaEnv = new Storage({ projectId: 'test-proj' });
      await viaEnv.bucket('env').file('x.txt').save('hello');
      const [data] = await viaEnv.bucket('env').file('x.txt').download();
      expect(data.toString()).toBe('hello');
      const [files] = await viaEnv.bucket('env').getFiles();
      expect(files.map((f) => f.name)).toEqual(['x.txt']);
    } finally {
      if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = previous;
    }
  });
});
