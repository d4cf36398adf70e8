import { classifyCallError, type ProviderCallError } from '../errors';

export interface RestOptions {
  apiKey: string;
  /** API root without version, e.g. `https://generativelanguage.googleapis.com`. */
  baseUrl: string;
  apiVersion: string;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  timeoutMs: number;
}

/** An HTTP error of the Developer API, with Google's message (never the request, never the key). */
export class GeminiApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly statusName: string | null,
  ) {
    super(message);
    this.name = 'GeminiApiError';
  }
}

export function geminiCallError(error: unknown): ProviderCallError {
  return classifyCallError('gemini', error);
}

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Plain REST calls to the Developer API with `x-goog-api-key` (the key never goes in a URL). Used where the SDK
 * loses fields (batches: `batchStats`, the operation's `error`) or has no call (streamed downloads).
 */
export class GeminiRest {
  constructor(private readonly options: RestOptions) {}

  url(path: string): string {
    return `${this.options.baseUrl}/${this.options.apiVersion}/${path}`;
  }

  /**
   * A JSON call. `once`: never retried (a create: a retry after a lost answer would make a second batch). Others
   * are retried on 408/429/5xx and on network errors, honouring `Retry-After` and `RetryInfo.retryDelay`.
   */
  async json<T>(method: string, path: string, init: { body?: unknown; once?: boolean } = {}): Promise<T> {
    const response = await this.send(this.url(path), method, init.body, init.once ?? false);
    const text = await response.text();
    return (text.trim() === '' ? {} : JSON.parse(text)) as T;
  }

  /** A streamed GET (a result file); `abort` lets go of the connection. */
  async download(url: string): Promise<{ body: ReadableStream<Uint8Array>; abort: (error: Error) => void }> {
    const controller = new AbortController();
    const response = await this.send(url, 'GET', undefined, false, controller);
    if (!response.body) throw new GeminiApiError(502, 'the download has no body', null);
    return { body: response.body, abort: (error) => controller.abort(error) };
  }

  private async send(
    url: string,
    method: string,
    body: unknown,
    once: boolean,
    controller?: AbortController,
  ): Promise<Response> {
    const { retry, timeoutMs } = this.options;
    const attempts = once ? 1 : Math.max(1, retry.attempts);
    for (let attempt = 1; ; attempt++) {
      let waitMs = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
      try {
        const headers: Record<string, string> = { 'x-goog-api-key': this.options.apiKey };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const own = controller ?? new AbortController();
        // Only until the headers came: a streamed body is watched by the idle timeout instead.
        const timer = setTimeout(() => own.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        let response: Response;
        try {
          response = await fetch(url, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: own.signal,
          });
        } finally {
          clearTimeout(timer);
        }
        if (response.ok) return response;
        const error = await apiError(response);
        if (attempt >= attempts || !RETRY_STATUSES.has(response.status)) throw error;
        waitMs = retryDelayMs(response, error) ?? waitMs;
      } catch (error) {
        if (error instanceof GeminiApiError) throw error;
        if (attempt >= attempts) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, retry.maxDelayMs)));
    }
  }
}

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: Array<Record<string, unknown>> };
}

class ApiErrorWithDelay extends GeminiApiError {
  retryDelayMs: number | null = null;
}

async function apiError(response: Response): Promise<ApiErrorWithDelay> {
  let parsed: GoogleErrorBody | null = null;
  try {
    parsed = JSON.parse(await response.text()) as GoogleErrorBody;
  } catch {
    parsed = null;
  }
  const error = parsed?.error;
  const message =
    typeof error?.message === 'string' ? error.message : response.statusText || 'request failed';
  const status = typeof error?.status === 'string' ? error.status : null;
  const result = new ApiErrorWithDelay(response.status, status ? `${status}: ${message}` : message, status);
  for (const detail of error?.details ?? []) {
    const delay = typeof detail.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay) : null;
    if (delay) result.retryDelayMs = Number(delay[1]) * 1000;
  }
  return result;
}

function retryDelayMs(response: Response, error: ApiErrorWithDelay): number | null {
  const header = Number(response.headers.get('retry-after'));
  if (Number.isFinite(header) && header > 0) return header * 1000;
  return error.retryDelayMs;
}
