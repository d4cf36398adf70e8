import { errorTypeForStatus, normalizedError } from '../errors';
import type { ErrorType, NormalizedError } from '../types';

/**
 * A failed row's `status` is a free-form message (its exact format is UNCONFIRMED). When it embeds a Google error
 * object (`… {"error": {"code": 429, "message": …, "status": "RESOURCE_EXHAUSTED"}}`) its code decides;
 * otherwise the wording does.
 */
export function rowStatusError(status: string): NormalizedError {
  const embedded = embeddedGoogleError(status);
  const name = embedded?.status ?? /\b([A-Z]+(?:_[A-Z]+)+)\b/.exec(status)?.[1] ?? null;
  const message = embedded?.message ?? status;
  const type = embedded?.code !== undefined ? typeForCode(embedded.code, status) : typeForWording(status);
  return normalizedError(type, name, message);
}

const RATE_LIMITED = /RESOURCE_EXHAUSTED|\b429\b|quota|rate.?limit|too many requests/i;
const SERVER =
  /\bINTERNAL\b|UNAVAILABLE|DEADLINE_EXCEEDED|\b50[0-4]\b|internal error|backend error|timed? ?out|service unavailable/i;
const FILTERED = /PROHIBITED_CONTENT|\bSAFETY\b|BLOCKLIST|\bSPII\b|blocked/i;
const INVALID =
  /INVALID_ARGUMENT|FAILED_PRECONDITION|NOT_FOUND|PERMISSION_DENIED|OUT_OF_RANGE|\b40[0134]\b|bad request|invalid/i;

function typeForWording(status: string): ErrorType {
  if (RATE_LIMITED.test(status)) return 'rate_limited';
  if (SERVER.test(status)) return 'server_error';
  if (FILTERED.test(status)) return 'content_filtered';
  if (INVALID.test(status)) return 'invalid_request';
  return 'unknown';
}

function typeForCode(code: number, status: string): ErrorType {
  const type = errorTypeForStatus(code);
  if (type === 'invalid_request' && FILTERED.test(status)) return 'content_filtered';
  return type === 'unknown' ? typeForWording(status) : type;
}

interface EmbeddedError {
  code?: number;
  message?: string;
  status?: string;
}

function embeddedGoogleError(status: string): EmbeddedError | null {
  const start = status.indexOf('{');
  if (start === -1) return null;
  try {
    const value = JSON.parse(status.slice(start)) as { error?: EmbeddedError } & EmbeddedError;
    const error = value?.error ?? value;
    if (!error || typeof error !== 'object') return null;
    return {
      code: typeof error.code === 'number' ? error.code : undefined,
      message: typeof error.message === 'string' ? error.message : undefined,
      status: typeof error.status === 'string' ? error.status : undefined,
    };
  } catch {
    return null;
  }
}
