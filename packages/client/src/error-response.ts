import {
  AuthenticationError,
  BudgetExceededError,
  ConflictError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  TrancheError,
  ValidationError,
} from './errors.js';
import { retryAfterMs } from './retry-after.js';

/** The envelope's `error` object, or an empty one when the body is not an envelope (a proxy's HTML page). */
function envelopeOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The typed error for an answer that is not a 2xx, read from its body `{error: {type, message, ...}}`. */
export async function errorFromResponse(response: Response): Promise<TrancheError> {
  const body = await readBody(response);
  const error = envelopeOf(body);
  const status = response.status;
  const type = typeof error.type === 'string' ? error.type : `http_${status}`;
  const detail =
    typeof error.message === 'string'
      ? error.message
      : typeof body === 'string' && body !== ''
        ? body.slice(0, 200)
        : response.statusText;
  const message = `HTTP ${status} ${type}: ${detail}`;
  switch (status) {
    case 400:
      return new ValidationError(status, type, message, body, error);
    case 401:
      return new AuthenticationError(status, type, message, body);
    case 402:
      return new BudgetExceededError(status, type, message, body, error);
    case 403:
      return new PermissionError(status, type, message, body, error);
    case 404:
      return new NotFoundError(status, type, message, body);
    case 409:
      return new ConflictError(status, type, message, body, error);
    case 422:
      return new IdempotencyKeyReusedError(status, type, message, body);
    case 429:
      return new RateLimitError(
        status,
        type,
        message,
        body,
        retryAfterMs(response.headers.get('retry-after')),
      );
  }
  if (status >= 500) return new ServerError(status, type, message, body);
  return new TrancheError(status, type, message, body);
}
