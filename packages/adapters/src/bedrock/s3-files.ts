import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, idleGuardedBytes } from '../idle-timeout';
import { readLines } from '../lines';
import { bedrockCallError } from './call-errors';

// Every function here takes a client made by clients.ts, so the SDK is already loaded when they import it.

export interface UploadShape {
  partBytes: number;
  queueSize: number;
}

/**
 * The size of the object at `key`, or null when there is none. An S3 object appears whole or not at all (a
 * multipart upload becomes an object only when it completes), so one of the request file's size is that file: the
 * chunk's lines are written again byte for byte on every attempt.
 */
export async function objectSize(s3: S3Client, bucket: string, key: string): Promise<number | null> {
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength ?? null;
  } catch (error) {
    if (bedrockCallError(error).status === 404) return null;
    throw error;
  }
}

/**
 * The request file, streamed from disk by lib-storage's `Upload`: one PUT when it fits in a part, else a multipart
 * upload whose parts go up `queueSize` at a time (each retried by the SDK on its own; a part that still fails aborts
 * the upload, so no parts are left behind). Writing the same bytes to the same key again is harmless: the attempt
 * that follows a failure uploads it again whole.
 */
export async function uploadFile(
  s3: S3Client,
  target: { bucket: string; key: string; path: string; bytes: number; metadata: Record<string, string> },
  shape: UploadShape,
): Promise<void> {
  const { Upload } = await import('@aws-sdk/lib-storage');
  const body = createReadStream(target.path);
  try {
    await new Upload({
      client: s3,
      params: {
        Bucket: target.bucket,
        Key: target.key,
        Body: body,
        ContentLength: target.bytes,
        ContentType: 'application/jsonl',
        Metadata: target.metadata,
      },
      partSize: shape.partBytes,
      queueSize: shape.queueSize,
      leavePartsOnError: false,
    }).done();
  } finally {
    body.destroy();
  }
}

/** Every key under `prefix`, page by page (1,000 a page), in S3's order: UTF-8 binary, which is name order. */
export async function* listKeys(s3: S3Client, bucket: string, prefix: string): AsyncIterable<string> {
  const { paginateListObjectsV2 } = await import('@aws-sdk/client-s3');
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
  }
}

/** Deletes the keys, 1,000 a call (S3's limit); a key already gone is no error. */
export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  const { DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
  for (let start = 0; start < keys.length; start += 1000) {
    const batch = keys.slice(start, start + 1000);
    const answer = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = (answer.Errors ?? []).filter((error) => error.Code !== 'NoSuchKey');
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new Error(
        `bedrock: ${failed.length} objects not deleted, ${first.Key}: ${first.Code} ${first.Message}`,
      );
    }
  }
}

/**
 * A result file, line by line, downloaded as a stream. The SDK retries the request but not a body that fails half
 * way, so a retryable failure (a reset connection, a download that sends nothing for `idleTimeoutMs`) opens the
 * object again and skips the lines already delivered.
 */
export async function* objectLines(
  s3: S3Client,
  location: { bucket: string; key: string },
  attempts: number,
  idleTimeoutMs = DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS,
): AsyncIterable<string> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  let delivered = 0;
  for (let attempt = 1; ; attempt++) {
    let seen = 0;
    const abort = new AbortController();
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), {
        abortSignal: abort.signal,
      });
      if (!object.Body) return;
      // In Node the body is an http response stream (the SDK's Readable with helpers mixed in).
      const body = object.Body as Readable;
      const bytes = idleGuardedBytes(body, {
        ms: idleTimeoutMs,
        what: `bedrock object s3://${location.bucket}/${location.key}`,
        abort: (error) => {
          abort.abort(error);
          body.destroy(error);
        },
      });
      for await (const line of readLines(bytes)) {
        if (seen++ < delivered) continue;
        delivered += 1;
        yield line;
      }
      return;
    } catch (error) {
      const classified = bedrockCallError(error);
      if (!classified.retryable || attempt >= attempts) throw classified;
      await sleep(Math.min(2_000, 100 * 2 ** (attempt - 1)));
    } finally {
      abort.abort();
    }
  }
}
