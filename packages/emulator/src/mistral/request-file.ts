import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseRequestLine } from './request-line';

export type LineVisitor = (raw: string, lineNumber: number) => void | Promise<void>;

/** Calls `visit` for each non-blank line of a JSONL file, reading it as a stream. */
export async function forEachLine(path: string, visit: LineVisitor): Promise<void> {
  const stream = createReadStream(path);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber += 1;
      if (raw.trim() === '') continue;
      const waiting = visit(raw, lineNumber);
      if (waiting) await waiting;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * Seen live: Mistral checks a `batch` upload line by line and rejects the whole file with a 422
 * ("Invalid file format.") when a line is not a request. Returns the first problem, or null.
 */
export async function findInvalidRequestLine(path: string): Promise<string | null> {
  let problem: string | null = null;
  const stop = new Error('stop');
  try {
    await forEachLine(path, (raw, lineNumber) => {
      const parsed = parseRequestLine(raw);
      if (!parsed.ok) {
        problem = `Invalid file format. Line ${lineNumber}: ${parsed.message}.`;
        throw stop;
      }
    });
  } catch (error) {
    if (error !== stop) throw error;
  }
  return problem;
}
