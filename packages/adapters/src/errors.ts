import type { ErrorType, NormalizedError } from './types';

/** Maps an HTTP status a provider gave one request (or one API call) to our error type. */
export function errorTypeForStatus(status: number): ErrorType {
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 409 || status >= 500) return 'server_error';
  if (status >= 400) return 'invalid_request';
  return 'unknown';
}

const RETRYABLE: ReadonlySet<ErrorType> = new Set([
  'rate_limited',
  'server_error',
  'expired',
  'invalid_output',
  'unknown',
]);

export function isRetryableType(type: ErrorType): boolean {
  return RETRYABLE.has(type);
}

export function normalizedError(type: ErrorType, code: string | null, message: string): NormalizedError {
  return { type, code, message, retryable: isRetryableType(type) };
}

/**
 * An error from a provider API call (not from one request inside a batch). `retryable` tells the queue whether
 * to try again later or fail fast.
 */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ProviderCallError';
  }
}

/** Status-based classification shared by every SDK's error class (they all expose `status`). */
export function classifyCallError(provider: string, error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  const status =
    typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : null;
  const message = error instanceof Error ? error.message : String(error);
  if (status === null) {
    // No HTTP status: a connection error, a timeout or a malformed response. Worth another try.
    return new ProviderCallError(`${provider}: ${message}`, null, true);
  }
  const type = errorTypeForStatus(status);
  return new ProviderCallError(`${provider} ${status}: ${message}`, status, type !== 'invalid_request');
}
