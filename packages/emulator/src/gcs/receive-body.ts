import type { FileHandle } from 'node:fs/promises';
import type { ObjectDigest } from './object-digest';

/**
 * Appends a request body to an open file, feeding the digest only with what reached the file, so a client that
 * disconnects mid-body leaves a consistent prefix behind. The first `skip` bytes (already stored) are dropped.
 */
export async function appendBody(
  body: AsyncIterable<Buffer>,
  file: FileHandle,
  digest: ObjectDigest,
  skip = 0,
): Promise<number> {
  let toSkip = skip;
  let written = 0;
  for await (const raw of body) {
    let chunk = raw;
    if (toSkip > 0) {
      const dropped = Math.min(toSkip, chunk.length);
      toSkip -= dropped;
      chunk = chunk.subarray(dropped);
      if (chunk.length === 0) continue;
    }
    await writeAll(file, chunk);
    digest.update(chunk);
    written += chunk.length;
  }
  return written;
}

export async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** A small body (JSON metadata) as text; longer bodies are refused. */
export async function readSmallBody(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
