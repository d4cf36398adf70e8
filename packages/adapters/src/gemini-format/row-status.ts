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

/** google.rpc.Code numbers (a Status `code` of 16 or less) as the HTTP status Google maps each to. */
const RPC_HTTP: Record<number, number> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

/**
 * A failed row as a `google.rpc.Status` object (`{code, message, details?}`, the Developer API's `error`). Whether
 * `code` is an HTTP status (429) or a google.rpc.Code (8) is UNCONFIRMED: 16 or less is read as an rpc code.
 */
export function statusObjectError(raw: unknown): NormalizedError {
  const status = (raw && typeof raw === 'object' ? raw : {}) as {
    code?: unknown;
    message?: unknown;
    status?: unknown;
  };
  const message =
    typeof status.message === 'string' && status.message !== '' ? status.message : 'request failed';
  const code = typeof status.code === 'number' ? status.code : Number(status.code);
  if (!Number.isFinite(code) || code <= 0) return rowStatusError(message);
  const http = code <= 16 ? (RPC_HTTP[code] ?? 500) : code;
  const name =
    typeof status.status === 'string'
      ? status.status
      : code <= 16
        ? (RPC_NAME[code] ?? String(code))
        : String(code);
  const type: ErrorType = http === 499 ? 'cancelled' : typeForCode(http, `${name} ${message}`);
  return normalizedError(type, name, message);
}

const RPC_NAME: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};
