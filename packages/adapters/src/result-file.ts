import { recoverCustomId } from './custom-id-recovery';
import { normalizedError } from './errors';
import { asObject, type Json } from './json-fields';
import type { NormalizedResult, UnreadableLine } from './types';

/** How one provider's result lines are read. */
export interface ResultFileReader {
  /** The file as errors and logs name it (a file id, a GCS URI). */
  file: string;
  /** A line that parsed as a JSON object, as a result; may throw on a shape it does not know. */
  parse(line: Json): NormalizedResult;
  /** The custom id of a JSON line `parse` could not read, or null (may throw: read as null). */
  customIdOf(line: Json): string | null;
  /** The key a line's custom id is under, looked for in a line that is not JSON: `custom_id` unless set. */
  idKey?: string;
  onUnreadable?: ((line: UnreadableLine) => void) | undefined;
}

type LineOutcome = { result: NormalizedResult } | { customId: string | null; problem: string };

/**
 * A provider's result file, line by line: each line as a result, and a line that cannot be read (not JSON, not an
 * object, no custom id, a shape the parser does not know) as a failed `invalid_output` result with code
 * `malformed_line` for the custom id recovered from it. A line with no recoverable id fails no input. Every such
 * line is reported to `onUnreadable`, and the rest of the file still comes through. Neither the error nor the
 * report holds any of the line: they name the file, the line number and the custom id.
 */
export async function* readResultFile(
  lines: AsyncIterable<string>,
  reader: ResultFileReader,
): AsyncIterable<NormalizedResult> {
  let number = 0;
  for await (const text of lines) {
    number += 1;
    const outcome = readLine(text, reader);
    if ('result' in outcome) {
      yield outcome.result;
      continue;
    }
    const unreadable: UnreadableLine = { file: reader.file, line: number, ...outcome };
    reader.onUnreadable?.(unreadable);
    if (unreadable.customId !== null) yield malformedLineResult(unreadable.customId, unreadable);
  }
}

function readLine(text: string, reader: ResultFileReader): LineOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { customId: recoverCustomId(text, reader.idKey), problem: 'not JSON' };
  }
  const line = asObject(value);
  if (!line) return { customId: null, problem: `JSON but not an object (${kindOf(value)})` };
  try {
    return { result: reader.parse(line) };
  } catch {
    // The parser's own message may quote the line: only the fact that it failed is kept.
    const customId = customIdOf(line, reader);
    return { customId, problem: customId === null ? 'without a custom id' : 'of a shape we do not know' };
  }
}

function customIdOf(line: Json, reader: ResultFileReader): string | null {
  try {
    const id = reader.customIdOf(line);
    return id === '' ? null : id;
  } catch {
    return null;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * The failure of an input whose result line could not be read. Retryable like any `invalid_output`: a damaged
 * line says nothing about the request, and another attempt usually reads fine. What the attempt cost is unknown
 * (the usage was in the unreadable line), so it is counted as nothing.
 */
export function malformedLineResult(
  customId: string,
  where: Pick<UnreadableLine, 'file' | 'line' | 'problem'>,
): NormalizedResult {
  return {
    customId,
    status: 'failed',
    usage: null,
    error: normalizedError(
      'invalid_output',
      'malformed_line',
      `result line ${where.line} of ${where.file} could not be read: ${where.problem}`,
    ),
  };
}
