import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { JobInput } from '@tranche/client';
import { InputFileError } from './input-file-error.js';

/**
 * The inputs of a JSONL file, one JSON object per line, read a line at a time (blank lines are skipped). Fields are
 * not checked here: the API validates each input and names it (`inputs[3].prompt`).
 */
export async function* readJsonlInputs(stream: Readable, name: string): AsyncGenerator<JobInput> {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      yield parseLine(line, name, lineNumber);
    }
  } finally {
    // Stopped early (the API answered before reading every input): let go of the file too.
    lines.close();
    stream.destroy();
  }
}

function parseLine(line: string, name: string, lineNumber: number): JobInput {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InputFileError(`${name} line ${lineNumber}: not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new InputFileError(`${name} line ${lineNumber}: expected a JSON object (one input), got ${kind}`);
  }
  return value as JobInput;
}
