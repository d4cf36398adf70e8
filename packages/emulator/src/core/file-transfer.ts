import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { BlobStore } from './blob-store';
import { type MultipartOptions, type MultipartUpload, receiveMultipart } from './multipart';
import { releaseHold } from './response-hold';

/** Receives a multipart upload and lets `keep` take it; the received file is removed if `keep` refuses it. */
export async function receiveUpload<T>(
  req: IncomingMessage,
  blobs: BlobStore,
  options: MultipartOptions,
  keep: (upload: MultipartUpload) => T | Promise<T>,
): Promise<T> {
  const upload = await receiveMultipart(req, options);
  try {
    return await keep(upload);
  } catch (error) {
    if (upload.file) await blobs.remove(upload.file.path);
    throw error;
  }
}

/** Streams a stored file as the answer, once any `delay` fault has let the answer go. */
export async function sendFile(
  res: Response,
  path: string,
  headers: { contentType: string; bytes?: number },
): Promise<void> {
  await releaseHold(res);
  res.status(200);
  res.set('content-type', headers.contentType);
  if (headers.bytes !== undefined) res.set('content-length', String(headers.bytes));
  try {
    await pipeline(createReadStream(path), res);
  } catch {
    // The client went away mid-download (it gave up on a stalled body, or was stopped): nothing to answer.
    res.destroy();
  }
}
