import { isRecord } from '../core/is-record';

export type ParsedRequestLine =
  | { ok: true; customId: string | null; body: Record<string, unknown> }
  | { ok: false; message: string };

/**
 * One line of a request file or one inline request: `{custom_id?, body}`, no method or url. Seen live:
 * a missing or duplicate `custom_id` is accepted (the result line carries `custom_id: null`).
 */
export function parseRequest(value: unknown): ParsedRequestLine {
  if (!isRecord(value)) return { ok: false, message: 'expected a JSON object' };
  const { custom_id: customId, body } = value;
  if (customId !== undefined && customId !== null && typeof customId !== 'string') {
    return { ok: false, message: "'custom_id' must be a string" };
  }
  if (!isRecord(body)) return { ok: false, message: "'body' must be an object" };
  return { ok: true, customId: customId ?? null, body };
}

export function parseRequestLine(raw: string): ParsedRequestLine {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'not valid JSON' };
  }
  return parseRequest(value);
}
