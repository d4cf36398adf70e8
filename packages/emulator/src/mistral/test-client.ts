import type { EmulatorHandle } from '../server';
import type { ResultLine, WireBatchJob, WireFile } from './types';

/** A bare HTTP client for the emulator's own tests (the emulator package does not depend on the Mistral SDK). */
export class RawMistralClient {
  constructor(private readonly emu: EmulatorHandle) {}

  get base(): string {
    return `${this.emu.url}/mistral`;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: 'Bearer test',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  }

  async upload(lines: string[], purpose = 'batch', filename = 'input.jsonl') {
    const form = new FormData();
    form.append('file', new Blob([`${lines.join('\n')}\n`]), filename);
    form.append('purpose', purpose);
    form.append('visibility', 'workspace');
    const response = await fetch(`${this.base}/v1/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer test' },
      body: form,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: () => JSON.parse(text) as WireFile };
  }

  async create(body: Record<string, unknown>): Promise<WireBatchJob> {
    const response = await this.call('POST', '/v1/batch/jobs', body);
    if (response.status !== 200) throw new Error(`create: ${response.status} ${response.text}`);
    return response.json() as WireBatchJob;
  }

  async submit(lines: string[], extra: Record<string, unknown> = {}): Promise<WireBatchJob> {
    const file = (await this.upload(lines)).json();
    return this.create({
      input_files: [file.id],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      ...extra,
    });
  }

  async job(id: string, query = ''): Promise<WireBatchJob> {
    const response = await this.call('GET', `/v1/batch/jobs/${id}${query}`);
    if (response.status !== 200) throw new Error(`get: ${response.status} ${response.text}`);
    return response.json() as WireBatchJob;
  }

  async waitFor(id: string, done: (job: WireBatchJob) => boolean = isTerminal, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} stuck in ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async lines(fileId: string | null): Promise<ResultLine[]> {
    if (!fileId) return [];
    const response = await this.call('GET', `/v1/files/${fileId}/content`);
    return response.text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as ResultLine);
  }
}

const TERMINAL = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED']);

export function isTerminal(job: WireBatchJob): boolean {
  return TERMINAL.has(job.status);
}

export function requestLine(
  customId: string | null,
  content: string,
  body: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    ...(customId === null ? {} : { custom_id: customId }),
    body: { messages: [{ role: 'user', content }], ...body },
  });
}

export function requestLines(count: number, prefix = 'req'): string[] {
  return Array.from({ length: count }, (_, i) => requestLine(`${prefix}-${i}`, `Question number ${i}?`));
}
