import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { classifyCallError, type ProviderCallError } from '../errors';

export interface TogetherRestOptions {
  apiKey: string;
  /** The API root with its version, e.g. `https://api.together.xyz/v1`. */
  baseUrl: string;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  /** Per attempt, until the answer's headers arrive. */
  timeoutMs: number;
  /** For the request file's PUT to the signed URL (up to 100 MB). */
  uploadTimeoutMs: number;
}

/** An HTTP error of Together's API, with its message (never the request, never the key). */
export class TogetherApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'TogetherApiError';
  }
}

export function togetherCallError(error: unknown): ProviderCallError {
  return classifyCallError('together', error);
}

/** A file as `GET /files` and `GET /files/{id}` show it. */
export interface TogetherFile {
  id: string;
  bytes?: number;
  /** Unix seconds. */
  created_at?: number | string;
  filename?: string;
  purpose?: string;
  processing_status?: string;
}

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

interface SendInit {
  body?: unknown;
  /** Never retried: the call creates something, and a retry after a lost answer would create it twice. */
  once?: boolean;
  controller?: AbortController;
  headers?: Record<string, string>;
  redirect?: 'manual' | 'error';
}

/**
 * Together's REST API over `fetch`, with `Authorization: Bearer`. Reads are retried on 408/429/5xx and network
 * errors with exponential backoff, honouring `Retry-After`; calls that create something are made once.
 */
export class TogetherRest {
  constructor(private readonly options: TogetherRestOptions) {}

  url(path: string): string {
    return `${this.options.baseUrl}/${path.replace(/^\/+/, '')}`;
  }

  async json<T>(method: string, path: string, init: { body?: unknown; once?: boolean } = {}): Promise<T> {
    const response = await this.send(this.url(path), method, init);
    const text = await response.text();
    return (text.trim() === '' ? {} : JSON.parse(text)) as T;
  }

  /** A streamed GET (a result file); `abort` lets go of the connection. */
  async download(path: string): Promise<{ body: ReadableStream<Uint8Array>; abort: (error: Error) => void }> {
    const controller = new AbortController();
    const response = await this.send(this.url(path), 'GET', {
      controller,
      // What Together's own SDK asks the content route for.
      headers: { accept: 'application/binary' },
    });
    if (!response.body) throw new TogetherApiError(502, 'the download has no body');
    return { body: response.body, abort: (error) => controller.abort(error) };
  }

  /**
   * Together's upload, as its SDKs make it: `POST /files` names the file and answers 302 with a signed URL and the
   * new file's id (`X-Together-File-Id`); the bytes go to that URL in a PUT streamed from disk, which carries no
   * `Authorization` (the signature is the credential, and our key must not reach a storage host); then the file
   * object is read. Made once. A PUT that fails leaves a file id with no bytes behind: it is deleted, best effort,
   * so that a later attempt cannot take it for the chunk's upload.
   */
  async upload(filePath: string, fileName: string, bytes: number): Promise<TogetherFile> {
    const fields = new URLSearchParams({ file_name: fileName, file_type: 'jsonl', purpose: 'batch-api' });
    const start = await this.send(this.url(`files?${fields}`), 'POST', {
      body: fields,
      once: true,
      redirect: 'manual',
    });
    await start.body?.cancel();
    const location = start.headers.get('location');
    const fileId = start.headers.get('x-together-file-id');
    if (start.status !== 302 || !location || !fileId) {
      throw new TogetherApiError(
        502,
        `the upload was answered ${start.status}, not a redirect to a signed URL with a file id`,
      );
    }
    try {
      await this.put(location, filePath, bytes);
    } catch (error) {
      await this.json('DELETE', `files/${encodeURIComponent(fileId)}`).catch(() => undefined);
      throw error;
    }
    return this.json<TogetherFile>('GET', `files/${encodeURIComponent(fileId)}`);
  }

  private async put(signedUrl: string, filePath: string, bytes: number): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`the upload took more than ${this.options.uploadTimeoutMs} ms`)),
      this.options.uploadTimeoutMs,
    );
    try {
      const response = await fetch(signedUrl, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
        body: Readable.toWeb(createReadStream(filePath)) as ReadableStream<Uint8Array>,
        // A streamed body cannot be sent again: fetch would hold every byte to follow a redirect.
        duplex: 'half',
        redirect: 'error',
        signal: controller.signal,
      } as RequestInit & { duplex: 'half' });
      await response.body?.cancel();
      if (!response.ok) {
        throw new TogetherApiError(response.status, `the upload's PUT was answered ${response.status}`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(url: string, method: string, init: SendInit): Promise<Response> {
    const { retry, timeoutMs } = this.options;
    const attempts = init.once ? 1 : Math.max(1, retry.attempts);
    for (let attempt = 1; ; attempt++) {
      let waitMs = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
      try {
        const headers: Record<string, string> = {
          authorization: `Bearer ${this.options.apiKey}`,
          ...init.headers,
        };
        let body: string | undefined;
        if (init.body instanceof URLSearchParams) {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = init.body.toString();
        } else if (init.body !== undefined) {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(init.body);
        }
        const own = init.controller ?? new AbortController();
        // Only until the headers came: a streamed body is watched by the idle timeout instead.
        const timer = setTimeout(() => own.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        let response: Response;
        try {
          response = await fetch(url, {
            method,
            headers,
            body,
            signal: own.signal,
            redirect: init.redirect ?? 'error',
          });
        } finally {
          clearTimeout(timer);
        }
        if (response.ok || (init.redirect === 'manual' && response.status >= 300 && response.status < 400))
          return response;
        const error = await apiError(response);
        if (attempt >= attempts || !RETRY_STATUSES.has(response.status)) throw error;
        waitMs = retryAfterMs(response) ?? waitMs;
      } catch (error) {
        if (error instanceof TogetherApiError) throw error;
        if (attempt >= attempts) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, retry.maxDelayMs)));
    }
  }
}

/** Together answers errors in OpenAI's envelope (`{error: {message, type, code}}`); a bare message is read too. */
async function apiError(response: Response): Promise<TogetherApiError> {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(await response.text());
  } catch {
    parsed = null;
  }
  const record = (value: unknown) =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  const body = record(parsed);
  const error = record(body?.error);
  const message =
    (typeof error?.message === 'string' && error.message) ||
    (typeof body?.error === 'string' && body.error) ||
    (typeof body?.message === 'string' && body.message) ||
    response.statusText ||
    'request failed';
  const code = typeof error?.code === 'string' ? error.code : null;
  return new TogetherApiError(response.status, message, code);
}

/** `retry-after-ms`, else `Retry-After` in seconds (an HTTP date is not worth parsing for a few retries). */
function retryAfterMs(response: Response): number | null {
  const ms = Number(response.headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(response.headers.get('retry-after'));
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  return null;
}
