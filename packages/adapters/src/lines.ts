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

/**
 * A line that must be a JSON object. The error names where the line is (`where`, and its number when given),
 * never what it holds: a line may carry a prompt or an answer, which must not reach a log.
 */
export function parseJsonLine(line: string, where: string, lineNumber?: number): Record<string, unknown> {
  try {
    const value = asObject(JSON.parse(line));
    if (value) return value;
  } catch {
    // fall through
  }
  const which = lineNumber === undefined ? 'a line' : `line ${lineNumber}`;
  throw new Error(`${where}: ${which} is not a JSON object`);
}
