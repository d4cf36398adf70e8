import { isRecord } from '../core/is-record';
import type { WireBatchEndpoint } from './batch-params';
import type { WireBatchError } from './types';

export type CheckedLine =
  | { ok: true; customId: string; model: string; body: Record<string, unknown> }
  | { ok: false; error: WireBatchError };

/**
 * Checks one input line as the batch's `validating` step does. The real validation codes are
 * not documented; `invalid_json_line`, `missing_custom_id`, `invalid_method`, `mismatched_endpoint`,
 * `missing_body` and `missing_model` are our choice.
 */
export function checkInputLine(raw: string, line: number, endpoint: WireBatchEndpoint): CheckedLine {
  const fail = (code: string, message: string, param: string | null): CheckedLine => ({
    ok: false,
    error: { code, message, param, line },
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail('invalid_json_line', `Line ${line} is not valid JSON.`, null);
  }
  if (!isRecord(parsed)) return fail('invalid_json_line', `Line ${line} is not a JSON object.`, null);
  const { custom_id: customId, method, url, body } = parsed;
  if (typeof customId !== 'string' || customId.length === 0) {
    return fail('missing_custom_id', `Line ${line} has no 'custom_id' string.`, 'custom_id');
  }
  if (method !== 'POST') {
    return fail('invalid_method', `Line ${line}: 'method' must be 'POST'.`, 'method');
  }
  if (url !== endpoint) {
    return fail(
      'mismatched_endpoint',
      `Line ${line}: 'url' ${JSON.stringify(url ?? null)} does not match the batch endpoint '${endpoint}'.`,
      'url',
    );
  }
  if (!isRecord(body)) return fail('missing_body', `Line ${line} has no 'body' object.`, 'body');
  if (typeof body.model !== 'string' || body.model.length === 0) {
    return fail('missing_model', `Line ${line}: 'body.model' is required.`, 'body.model');
  }
  return { ok: true, customId, model: body.model, body };
}
