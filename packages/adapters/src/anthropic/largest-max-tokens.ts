import { createReadStream } from 'node:fs';
import { readLines } from '../lines';

/**
 * The start of a line as `anthropicEncoder` writes it (`JSON.stringify` keeps insertion order): custom id, model,
 * then `max_tokens`. Read from there, a line's `max_tokens` costs no parse of its prompt.
 */
const ENCODED_START = /^\{"custom_id":"[^"\\]*","params":\{"model":"(?:[^"\\]|\\.)*","max_tokens":(\d+)[,}]/;

/**
 * The largest `max_tokens` of a request file (lines of `{custom_id, params}`), read as a stream: it decides whether
 * the batch needs the 300K output beta before the file is sent. A line in another key order is parsed whole.
 */
export async function largestMaxTokens(path: string): Promise<number> {
  let largest = 0;
  for await (const line of readLines(createReadStream(path, { highWaterMark: 1024 * 1024 }))) {
    const match = ENCODED_START.exec(line);
    const tokens = match ? Number(match[1]) : maxTokensOf(line);
    if (tokens > largest) largest = tokens;
  }
  return largest;
}

function maxTokensOf(line: string): number {
  try {
    const value = (JSON.parse(line) as { params?: { max_tokens?: unknown } }).params?.max_tokens;
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  } catch {
    // Not ours to judge here: the API refuses the line, and the batch reports it.
    return 0;
  }
}
