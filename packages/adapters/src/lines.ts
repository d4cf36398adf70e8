import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { asObject } from './json-fields';

/** Non-empty lines of a byte stream, read one at a time so memory stays flat whatever the file size. */
export async function* readLines(
  body: Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array>,
) {
  const stream = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() !== '') yield line;
  }
}

export function parseJsonLine(line: string, where: string): Record<string, unknown> {
  try {
    const value = asObject(JSON.parse(line));
    if (value) return value;
  } catch {
    // fall through
  }
  throw new Error(`${where}: a line is not a JSON object: ${line.slice(0, 200)}`);
}
