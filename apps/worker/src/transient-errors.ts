import { ProviderCallError } from '@tranche/adapters';

/**
 * Decides whether an error is the kind that goes away by itself (a provider's 429/5xx/timeout, Postgres or Redis
 * unreachable or restarting, a dropped connection), so the work should wait and try again, however long that
 * takes, rather than spend one of the queue job's few attempts.
 */

// Socket-level codes, as Node, undici and postgres.js (which reuses them for its own connection errors) set them.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  // DNS failing for a host that resolved before is an outage too; a typo in a URL shows as a blocker that stays.
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// postgres.js's own codes when a connection goes away or cannot be made.
const POSTGRES_CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
]);

// SQLSTATEs that mean "try again later": class 08 (connection exception) is matched by prefix below.
const POSTGRES_TRANSIENT_STATES = new Set([
  '57P01', // admin_shutdown: the server is restarting
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

// Redis replies that mean the server cannot serve now (loading a dump, a replica during failover, out of memory).
const REDIS_TRANSIENT_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM)\b/;

interface ErrorFields {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function isTransientItself(error: ErrorFields): boolean {
  if (error instanceof ProviderCallError) return error.retryable;
  const code = typeof error.code === 'string' ? error.code : '';
  const name = typeof error.name === 'string' ? error.name : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (NETWORK_CODES.has(code) || POSTGRES_CONNECTION_CODES.has(code)) return true;
  if (name === 'PostgresError') return code.startsWith('08') || POSTGRES_TRANSIENT_STATES.has(code);
  // ioredis: out of reconnect attempts for a command, or the connection closed under it.
  if (name === 'MaxRetriesPerRequestError' || message === 'Connection is closed.') return true;
  if (name === 'ReplyError') return REDIS_TRANSIENT_REPLY.test(message);
  // AbortSignal.timeout() and fetch's own deadline.
  return name === 'TimeoutError';
}

/** True when waiting and trying again can fix it; false for a permanent error or one we do not know. */
export function isTransient(error: unknown): boolean {
  // A network error often comes wrapped (undici's "fetch failed" / "terminated" has the socket error as cause).
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const fields = current as ErrorFields;
    if (isTransientItself(fields)) return true;
    // A provider's answer was classified already: do not let its cause overrule it.
    if (current instanceof ProviderCallError) return false;
    current = fields.cause;
  }
  return false;
}
