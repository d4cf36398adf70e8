import { setTimeout as sleep } from 'node:timers/promises';
import type { Bucket, File, GetFilesOptions, GetFilesResponse } from '@google-cloud/storage';
import { readLines } from '../lines';
import { vertexCallError } from './call-errors';

export interface DownloadRetry {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Every object under `prefix`, page by page, in name order. */
export async function* listObjects(bucket: Bucket, prefix: string): AsyncIterable<File> {
  let query: GetFilesOptions | null = { prefix, autoPaginate: false, maxResults: 1000 };
  while (query) {
    const [files, next]: GetFilesResponse = await bucket.getFiles(query);
    yield* files;
    query = next && typeof next === 'object' && 'pageToken' in next ? (next as GetFilesOptions) : null;
  }
}

/**
 * A result file, line by line, downloaded as a stream (the SDK checks its CRC32C at the end). The storage SDK
 * does not retry a download stream that fails (a 429 or 503 surfaces as is), so a retryable failure opens the
 * object again and skips the lines already delivered.
 */
export async function* objectLines(file: File, retry: DownloadRetry): AsyncIterable<string> {
  let delivered = 0;
  for (let attempt = 1; ; attempt++) {
    let seen = 0;
    try {
      for await (const line of readLines(file.createReadStream())) {
        if (seen++ < delivered) continue;
        delivered += 1;
        yield line;
      }
      return;
    } catch (error) {
      const classified = vertexCallError(error);
      if (!classified.retryable || attempt >= retry.attempts) throw classified;
      await sleep(Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1)));
    }
  }
}
