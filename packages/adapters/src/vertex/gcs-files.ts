import { setTimeout as sleep } from 'node:timers/promises';
import type { Bucket, File, FileMetadata, GetFilesOptions, GetFilesResponse } from '@google-cloud/storage';
import { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, idleGuardedBytes } from '../idle-timeout';
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
 * object again and skips the lines already delivered. A download that sends nothing for `idleTimeoutMs` is such a
 * failure.
 */
export async function* objectLines(
  file: File,
  retry: DownloadRetry,
  idleTimeoutMs = DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS,
): AsyncIterable<string> {
  let delivered = 0;
  for (let attempt = 1; ; attempt++) {
    let seen = 0;
    try {
      const download = file.createReadStream();
      const bytes = idleGuardedBytes(download, {
        ms: idleTimeoutMs,
        what: `vertex object ${file.name}`,
        abort: (error) => download.destroy(error),
      });
      for await (const line of readLines(bytes)) {
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

/**
 * Whether the object holds exactly the local file at `path`: same size and same CRC32C (read from disk only when the
 * sizes match). False when there is no such object. An object appears whole or not at all, when its upload ends.
 */
export async function holdsFile(file: File, path: string, bytes: number): Promise<boolean> {
  let metadata: FileMetadata;
  try {
    [metadata] = await file.getMetadata();
  } catch (error) {
    if (vertexCallError(error).status === 404) return false;
    throw error;
  }
  if (Number(metadata.size) !== bytes || !metadata.crc32c) return false;
  const { CRC32C } = await import('@google-cloud/storage');
  return metadata.crc32c === (await CRC32C.fromFile(path)).toString();
}
