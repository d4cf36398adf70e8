import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import type { HTTPClient } from '@mistralai/mistralai';

const UPLOAD_HEADER = 'x-tranche-disk-upload';

/**
 * Uploads a request file from disk without holding it in memory. The SDK sends `request.clone()` on every
 * attempt, and fetch clones a body once more to be able to follow redirects; each clone tees the stream, and the
 * branch nobody reads keeps every byte (measured: a 155 MB upload held 307 MB). So the SDK gets an empty
 * placeholder file, and a `beforeRequest` hook of its HTTP client puts the file from disk into the multipart body
 * just before sending, in a request fetch does not clone (`redirect: 'error'`). The SDK still builds the fields,
 * authenticates and parses the response (it makes the upload once: see `CREATE_ONCE` in adapter.ts).
 */
export class DiskUploads {
  private readonly files = new Map<string, Blob>();

  constructor(httpClient: HTTPClient) {
    httpClient.addHook('beforeRequest', (request) => this.withFile(request));
  }

  /** Runs `send` (an SDK upload of `placeholder` with `headers`) with the file at `path` swapped in. */
  async upload<T>(
    path: string,
    send: (placeholder: Blob, headers: Record<string, string>) => Promise<T>,
  ): Promise<T> {
    const token = randomUUID();
    this.files.set(token, await openAsBlob(path));
    try {
      return await send(new Blob([]), { [UPLOAD_HEADER]: token });
    } finally {
      this.files.delete(token);
    }
  }

  private async withFile(request: Request): Promise<Request | undefined> {
    const token = request.headers.get(UPLOAD_HEADER);
    if (token === null) return undefined;
    const file = this.files.get(token);
    if (!file) throw new Error('mistral upload: the file to send is gone');
    // The placeholder body is a few hundred bytes: reading it back is cheap.
    const form = await request.formData();
    const placeholder = form.get('file');
    const name = placeholder instanceof File ? placeholder.name : 'requests.jsonl';
    form.set('file', new File([file], name, { type: placeholder instanceof File ? placeholder.type : '' }));
    const headers = new Headers(request.headers);
    for (const header of [UPLOAD_HEADER, 'content-type', 'content-length']) headers.delete(header);
    return new Request(request.url, {
      method: request.method,
      headers,
      body: form,
      signal: request.signal,
      redirect: 'error',
    });
  }
}
