import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { asObject } from './json-fields';

const NEWLINE = 0x0a;

/**
 * Non-empty lines of a byte stream (`\n`, `\r\n` or a lone `\r` end a line), read one at a time so memory stays
 * flat whatever the file size. Pull-based: the next bytes are read only when the caller asks for the next line, so a
 * caller that stops to store a slice holds back the download. (readline's async iterator does not: it goes on
 * reading until 1,024 lines wait, which for 80 KB lines is 80 MB of strings in a worker's bounded heap.)
 */
export async function* readLines(
  body: Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  const stream = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  // The start of a line whose end has not come yet: the rest of earlier reads.
  let pending: Buffer[] = [];
  for await (const read of stream) {
    const bytes = Buffer.isBuffer(read) ? read : Buffer.from(read as Uint8Array);
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
      const line =
        pending.length === 0
          ? bytes.subarray(start, end)
          : Buffer.concat([...pending, bytes.subarray(start, end)]);
      pending = [];
      start = end + 1;
      yield* nonEmptyLines(line.toString('utf8'));
    }
    if (start < bytes.length) pending.push(bytes.subarray(start));
  }
  if (pending.length > 0) yield* nonEmptyLines(Buffer.concat(pending).toString('utf8'));
}

/** The text between two newlines: its `\r\n` end dropped, split at any lone `\r`, blank lines left out. */
function* nonEmptyLines(text: string): Generator<string> {
  if (!text.includes('\r')) {
    if (text.trim() !== '') yield text;
    return;
  }
  for (const part of text.split('\r')) if (part.trim() !== '') yield part;
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
