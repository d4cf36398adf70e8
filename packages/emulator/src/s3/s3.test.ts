import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NoSuchUpload,
  NotFound,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../server';
import { checksumOf } from './checksums';
import { recordRequests, s3Client, s3Only } from './test-support';

let emu: EmulatorHandle;
let s3: S3Client;

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 50, providers: [s3Only] });
  s3 = s3Client(emu);
});
afterAll(async () => {
  s3.destroy();
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const BUCKET = 'tranche-emulator';

function pattern(size: number, salt = 0): Buffer {
  const data = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + salt + (i >> 12)) % 251;
  return data;
}

async function read(key: string, client = s3): Promise<Buffer> {
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function rejection(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error('expected the call to fail');
}

describe('PutObject, HeadObject, GetObject', () => {
  it('stores a Buffer body with its CRC32 and serves it back, validated, with its ETag and metadata', async () => {
    const client = s3Client(emu);
    const log = recordRequests(client);
    const data = Buffer.from('{"recordId":"a"}\n{"recordId":"ü 🎉"}\n');
    const key = 'in/a b+c=ü.jsonl';
    const put = await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: data,
        ContentType: 'application/jsonl',
        Metadata: { chunk: 'k1' },
      }),
    );
    expect(put.ETag).toBe(`"${md5(data)}"`);
    expect(put.ChecksumCRC32).toBe(checksumOf('CRC32', data));
    // The key travels percent-encoded per segment, as the SDK writes it.
    expect(log[0]!.path).toBe('/s3/tranche-emulator/in/a%20b%2Bc%3D%C3%BC.jsonl');
    expect(log[0]!.headers['x-amz-checksum-crc32']).toBe(checksumOf('CRC32', data));

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head).toMatchObject({
      ContentLength: data.length,
      ContentType: 'application/jsonl',
      ETag: `"${md5(data)}"`,
      Metadata: { chunk: 'k1' },
    });
    expect(head.LastModified).toBeInstanceOf(Date);

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(got.ChecksumCRC32).toBe(checksumOf('CRC32', data));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(data);
    expect(emu.stats().bedrock?.bytes).toBe(data.length);
    client.destroy();
  });

  it('decodes an aws-chunked stream body with its trailing checksum', async () => {
    const client = s3Client(emu);
    const log = recordRequests(client);
    const first = pattern(70_000, 1);
    const second = pattern(130_000, 2);
    const data = Buffer.concat([first, second]);
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'in/stream.bin',
        Body: Readable.from([first, second]),
        ContentLength: data.length,
      }),
    );
    const headers = log[0]!.headers;
    expect(headers['content-encoding']).toContain('aws-chunked');
    expect(headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect(headers['x-amz-decoded-content-length']).toBe(String(data.length));
    const stored = await read('in/stream.bin', client);
    expect(stored.length).toBe(data.length);
    expect(stored.equals(data)).toBe(true);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'in/stream.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumCRC32).toBe(checksumOf('CRC32', data));
    client.destroy();
  });

  it('refuses an aws-chunked body whose trailer checksum does not match, and one cut short', async () => {
    const body = (trailer: string) => `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${trailer}\r\n\r\n`;
    const put = (text: string, length: number) =>
      fetch(`${emu.url}/s3/${BUCKET}/bad.txt`, {
        method: 'PUT',
        headers: {
          authorization: 'AWS4-HMAC-SHA256 Credential=emulator/20261207/us-east-1/s3/aws4_request',
          'content-encoding': 'aws-chunked',
          'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
          'x-amz-decoded-content-length': String(length),
          'x-amz-trailer': 'x-amz-checksum-crc32',
        },
        body: text,
      });
    const wrong = await put(body('AAAAAA=='), 5);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('<Code>BadDigest</Code>');
    const short = await put(body(checksumOf('CRC32', Buffer.from('hello'))), 6);
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('<Code>IncompleteBody</Code>');
    const good = await put(body(checksumOf('CRC32', Buffer.from('hello'))), 5);
    expect(good.status).toBe(200);
    expect((await read('bad.txt')).toString()).toBe('hello');
  });

  it('serves a byte range', async () => {
    const data = pattern(10_000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'r.bin', Body: data }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'r.bin', Range: 'bytes=100-199' }));
    expect(got.ContentRange).toBe('bytes 100-199/10000');
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(data.subarray(100, 200));
    const error = await rejection(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'r.bin', Range: 'bytes=20000-' })),
    );
    expect(error.name).toBe('InvalidRange');
  });

  it('answers the errors the SDK names: NoSuchKey, NotFound on HEAD, an unsigned request', async () => {
    const missing = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    expect(missing).toBeInstanceOf(NoSuchKey);
    expect(missing.message).toBe('The specified key does not exist.');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    const head = await rejection(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    expect(head).toBeInstanceOf(NotFound);
    const unsigned = await fetch(`${emu.url}/s3/${BUCKET}/x`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('answers an injected fault in S3 XML, which the SDK retries', async () => {
    emu.setFaults({ http: [{ provider: 's3', method: 'PUT', status: 503, times: 1 }] });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'retry.txt', Body: 'after a retry' }));
    expect((await read('retry.txt')).toString()).toBe('after a retry');
    emu.setFaults({ http: [{ provider: 's3', method: 'GET', status: 500, times: 3 }] });
    const error = await rejection(read('retry.txt'));
    expect(error.name).toBe('InternalError');
    expect(error.$metadata.attempts).toBe(3);
  });
});

describe('multipart uploads', () => {
  it('takes a 12 MB object from lib-storage in concurrent parts, echoing each part checksum', async () => {
    const client = s3Client(emu);
    const log = recordRequests(client);
    const data = pattern(12 * 1024 * 1024 + 123, 5);
    const upload = new Upload({
      client,
      params: { Bucket: BUCKET, Key: 'in/big.jsonl', Body: data, ContentType: 'application/jsonl' },
      partSize: 5 * 1024 * 1024,
      queueSize: 3,
    });
    const done = await upload.done();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const parts = log.filter((request) => request.query.partNumber !== undefined);
    expect(parts).toHaveLength(3);
    const complete = log.find((request) => request.method === 'POST' && request.query.uploadId !== undefined);
    expect(complete).toBeDefined();
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'in/big.jsonl' }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ContentType).toBe('application/jsonl');
    const stored = await read('in/big.jsonl', client);
    expect(md5(stored)).toBe(md5(data));
    expect(emu.stats().bedrock?.bytes).toBe(data.length);
    client.destroy();
  });

  it('assembles parts sent out of order and at once, in part-number order, with a composite checksum', async () => {
    const key = 'manual.bin';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'CRC32' }),
    );
    const one = pattern(5 * 1024 * 1024, 1);
    const two = pattern(1000, 2);
    const send = (PartNumber: number, Body: Buffer) =>
      s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          PartNumber,
          Body,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
    const [second, first] = await Promise.all([send(2, two), send(1, one)]);
    expect(first.ETag).toBe(`"${md5(one)}"`);
    expect(first.ChecksumCRC32).toBe(checksumOf('CRC32', one));
    expect(second.ChecksumCRC32).toBe(checksumOf('CRC32', two));

    const badOrder = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: second.ETag },
              { PartNumber: 1, ETag: first.ETag },
            ],
          },
        }),
      ),
    );
    expect(badOrder.name).toBe('InvalidPartOrder');
    const badTag = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: '"0000"' },
              { PartNumber: 2, ETag: second.ETag },
            ],
          },
        }),
      ),
    );
    expect(badTag.name).toBe('InvalidPart');

    const parts = [
      { PartNumber: 1, ETag: first.ETag, ChecksumCRC32: first.ChecksumCRC32 },
      { PartNumber: 2, ETag: second.ETag, ChecksumCRC32: second.ChecksumCRC32 },
    ];
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const partMd5s = Buffer.concat([one, two].map((part) => createHash('md5').update(part).digest()));
    expect(completed.ETag).toBe(`"${createHash('md5').update(partMd5s).digest('hex')}-2"`);
    const partCrcs = Buffer.concat(
      [one, two].map((part) => Buffer.from(checksumOf('CRC32', part), 'base64')),
    );
    expect(completed.ChecksumCRC32).toBe(`${checksumOf('CRC32', partCrcs)}-2`);
    // A Complete sent again (its answer lost) answers the same.
    const again = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(again.ETag).toBe(completed.ETag);
    // The SDK skips validating a composite checksum, so a default GetObject reads it.
    expect((await read(key)).equals(Buffer.concat([one, two]))).toBe(true);
  });

  it('refuses a small part that is not the last, and forgets an aborted upload', async () => {
    const key = 'small.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const a = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: 'aaa' }),
    );
    const b = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: 'bbb' }),
    );
    const small = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: a.ETag },
              { PartNumber: 2, ETag: b.ETag },
            ],
          },
        }),
      ),
    );
    expect(small.name).toBe('EntityTooSmall');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId }));
    const gone = await rejection(
      s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 3, Body: 'c' })),
    );
    expect(gone).toBeInstanceOf(NoSuchUpload);
    const missing = await rejection(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })));
    expect(missing).toBeInstanceOf(NotFound);
  });
});

describe('listing and deleting', () => {
  async function putAll(keys: string[]) {
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
  }

  it('lists by prefix in pages, with start-after and delimiter roll-ups', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `out/job/${i}.jsonl.out`);
    await putAll([...keys, 'out/job/sub/x.out', 'out/other/y.out', 'in/z.jsonl']);

    const first = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'out/job/', MaxKeys: 3 }));
    expect(first.Contents!.map((o) => o.Key)).toEqual(keys.slice(0, 3));
    expect(first).toMatchObject({ IsTruncated: true, KeyCount: 3, MaxKeys: 3, Prefix: 'out/job/' });
    expect(first.Contents![0]).toMatchObject({ Size: keys[0]!.length, StorageClass: 'STANDARD' });
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: 'out/job/',
        MaxKeys: 3,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.ContinuationToken).toBe(first.NextContinuationToken);
    expect(second.Contents!.map((o) => o.Key)).toEqual(keys.slice(3, 6));

    const all: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 2 },
      { Bucket: BUCKET, Prefix: 'out/' },
    ))
      all.push(...(page.Contents ?? []).map((o) => o.Key!));
    expect(all).toEqual([...keys, 'out/job/sub/x.out', 'out/other/y.out']);

    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'out/job/', StartAfter: 'out/job/5.jsonl.out' }),
    );
    expect(after.Contents!.map((o) => o.Key)).toEqual(['out/job/6.jsonl.out', 'out/job/sub/x.out']);

    const rolled = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'out/', Delimiter: '/' }),
    );
    expect(rolled.Contents).toBeUndefined();
    expect(rolled.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['out/job/', 'out/other/']);
    expect(rolled.KeyCount).toBe(2);

    const empty = await s3.send(new ListObjectsV2Command({ Bucket: 'never-written', Prefix: 'x/' }));
    expect(empty).toMatchObject({ KeyCount: 0, IsTruncated: false });
  });

  it('deletes one key (a missing one too) and many keys with a checksummed DeleteObjects', async () => {
    await putAll(['d/1', 'd/2', 'd/3']);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'd/1' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'd/never' }));
    const client = s3Client(emu, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    const log = recordRequests(client);
    const result = await client.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'd/2' }, { Key: 'd/3' }, { Key: 'd/none' }] },
      }),
    );
    expect(log[0]!.headers['x-amz-checksum-crc32']).toBeDefined();
    expect(result.Deleted!.map((d) => d.Key)).toEqual(['d/2', 'd/3', 'd/none']);
    const quiet = await s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'd/x' }], Quiet: true } }),
    );
    expect(quiet.Deleted).toBeUndefined();
    const left = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'd/' }));
    expect(left.KeyCount).toBe(0);
    client.destroy();
  });
});
