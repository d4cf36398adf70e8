import { normalizedError } from '../errors';
import { asNumber, asObject, asString, type Json } from '../json-fields';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import type { BatchContext, NormalizedResult } from '../types';

/**
 * Codes of Together's error-file lines (`{"custom_id", "error": {"message", "code"}}`), which carry no HTTP
 * status. `invalid_model` is documented; the others are read as their names say. A code not listed stays
 * `unknown` (retryable): a failure we cannot read gets another try.
 */
const ERROR_CODES: Record<string, 'invalid_request' | 'server_error' | 'rate_limited'> = {
  invalid_model: 'invalid_request',
  invalid_request: 'invalid_request',
  invalid_request_error: 'invalid_request',
  timeout: 'server_error',
  internal_error: 'server_error',
  rate_limit_exceeded: 'rate_limited',
};

/**
 * One line of a Together output or error file. Successes and `{response: {status_code, body}}` failures are
 * OpenAI's shape (parseCompatibleLine); an error-file line's code is mapped here. Cached prompt tokens are read
 * from `prompt_tokens_details.cached_tokens` and, where that is absent, from a `cached_tokens` beside the counts.
 */
export function parseTogetherLine(line: Json, context: BatchContext): NormalizedResult {
  const error = asObject(line.error);
  const customId = asString(line.custom_id);
  if (customId && error && !asObject(line.response)) {
    const code = asString(error.code);
    const type = code ? ERROR_CODES[code] : undefined;
    if (type && asNumber(error.status_code ?? error.raw_status_code) === 0) {
      const message = asString(error.message) ?? code!;
      return { customId, status: 'failed', usage: null, error: normalizedError(type, code, message) };
    }
  }
  const result = parseCompatibleLine(line, context);
  if (result.usage && result.usage.cachedTokens === 0) {
    const cached = asNumber(result.usage.raw.cached_tokens);
    if (cached > 0) result.usage.cachedTokens = cached;
  }
  return result;
}

export function lineCustomId(line: Json): string | null {
  return asString(line.custom_id);
}
