import { errorFromResponse } from './error-response.js';
import { ConnectionError, RateLimitError, TimeoutError, TrancheError } from './errors.js';
import { sleep } from './sleep.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  url: string;
  apiKey?: string;
  fetch?: FetchLike;
  maxRetries: number;
  timeoutMs?: number;
}

/** One attempt's body. A call that may be retried makes a new one for each attempt. */
export interface RequestBody {
  body: NonNullable<RequestInit['body']>;
  contentType: string;
  /** A ReadableStream: fetch must be told it is sent as it is read (`duplex: 'half'`). */
  streamed: boolean;
  /** Called once the answer's headers came (the body was sent, or the API answered without reading it all). */
  answered?(): void;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below the base URL, its parameters already encoded: `/v1/jobs/${encodeURIComponent(id)}`. */
  path: string;
  query?: Query;
  body?: () => RequestBody;
  /** Whether an attempt that got no answer, a 429 or a 502/503/504 may be sent again (safe to repeat). */
  retryable: boolean;
  headers?: Record<string, string>;
  accept?: string;
  signal?: AbortSignal;
}

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 8_000;

/** Exponential, with jitter so that many clients cut off at once do not come back at once. */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function urlOf(base: string, path: string, query: Query | undefined): string {
  const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/** Node's fetch says `fetch failed`, and why in its cause (`connect ECONNREFUSED 127.0.0.1:3000`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ? `${error.message}: ${cause}` : error.message;
}

/** HTTP to the API: the key, typed errors, a timeout per attempt, and retries of the calls that are safe to repeat. */
export class Transport {
  private readonly fetch: FetchLike;

  constructor(private readonly options: TransportOptions) {
    // Looked up at each call, and called as a plain function: a browser's fetch refuses another `this`.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The 2xx answer to `call`, its body unread; anything else is thrown as a TrancheError. */
  async send(call: Call): Promise<Response> {
    const url = urlOf(this.options.url, call.path, call.query);
    for (let attempt = 0; ; attempt++) {
      const retriesLeft = call.retryable && attempt < this.options.maxRetries;
      let response: Response;
      try {
        response = await this.attempt(url, call);
      } catch (error) {
        if (call.signal?.aborted || !retriesLeft || !(error instanceof TrancheError)) throw error;
        await sleep(backoffMs(attempt), call.signal);
        continue;
      }
      if (response.ok) return response;
      const error = await errorFromResponse(response);
      if (!retriesLeft || !RETRIED_STATUSES.has(response.status)) throw error;
      const wait = error instanceof RateLimitError ? error.retryAfterMs : undefined;
      await sleep(wait ?? backoffMs(attempt), call.signal);
    }
  }

  async json<T>(call: Call): Promise<T> {
    const response = await this.send({ accept: 'application/json', ...call });
    return (await response.json()) as T;
  }

  private async attempt(url: string, call: Call): Promise<Response> {
    const body = call.body?.();
    const headers: Record<string, string> = { ...call.headers };
    if (call.accept) headers.accept = call.accept;
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (body) headers['content-type'] = body.contentType;
    const timeout = new AbortController();
    const signal = call.signal ? AbortSignal.any([call.signal, timeout.signal]) : timeout.signal;
    const timer =
      this.options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => timeout.abort(), this.options.timeoutMs);
    const init: RequestInit & { duplex?: 'half' } = { method: call.method, headers, signal };
    if (body) {
      init.body = body.body;
      if (body.streamed) {
        init.duplex = 'half';
        // Fetch keeps a copy of a streamed body (a tee) for following a redirect: the whole upload would sit in
        // memory. The API never redirects.
        init.redirect = 'error';
      }
    }
    try {
      const response = await this.fetch(url, init);
      body?.answered?.();
      return response;
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (timeout.signal.aborted)
        throw new TimeoutError(`${call.method} ${url}: no answer within ${this.options.timeoutMs} ms`);
      throw new ConnectionError(`${call.method} ${url}: ${describe(error)}`, error);
    } finally {
      // Only the wait for the answer's headers is timed: a long results stream is not cut.
      clearTimeout(timer);
    }
  }
}
