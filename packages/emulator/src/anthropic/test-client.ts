import { request } from 'node:http';
import type { EmulatorHandle } from '../server';
import type { IndividualResponse, WireMessageBatch } from './types';

/** Raw HTTP against the emulated Anthropic API, so tests see exact status codes, headers and bodies. */
export class AnthropicTestClient {
  constructor(
    private readonly emu: EmulatorHandle,
    private readonly version = '2026-10-21',
  ) {}

  get root(): string {
    return `${this.emu.url}/anthropic`;
  }

  fetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    return fetch(path.startsWith('http') ? path : `${this.root}${path}`, {
      ...init,
      headers: {
        'x-api-key': 'test',
        'anthropic-version': this.version,
        'content-type': 'application/json',
        ...init.headers,
      },
    });
  }

  async json<T = Record<string, unknown>>(
    path: string,
    init: Parameters<AnthropicTestClient['fetch']>[1] = {},
  ) {
    const res = await this.fetch(path, init);
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  }

  /**
   * Creates a batch of `count` requests whose body is generated while it is sent, so a test can send
   * hundreds of megabytes without holding them.
   */
  stream(
    count: number,
    element: (index: number) => string | Buffer,
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.root}/v1/messages/batches`,
        {
          method: 'POST',
          headers: {
            'x-api-key': 'test',
            'anthropic-version': this.version,
            'content-type': 'application/json',
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      let next = 0;
      let pending = '{"requests":[';
      const pump = () => {
        while (next < count) {
          const piece = element(next);
          if (next > 0) pending += ',';
          next += 1;
          let flushed = true;
          if (typeof piece === 'string') {
            pending += piece;
            if (pending.length < 1 << 20) continue;
            flushed = req.write(pending);
          } else {
            req.write(pending);
            flushed = req.write(piece);
          }
          pending = '';
          if (!flushed) {
            req.once('drain', pump);
            return;
          }
        }
        req.end(`${pending}]}`);
      };
      pump();
    });
  }

  async create(requests: unknown[], headers: Record<string, string> = {}): Promise<WireMessageBatch> {
    const { status, body } = await this.json<WireMessageBatch>('/v1/messages/batches', {
      method: 'POST',
      body: JSON.stringify({ requests }),
      headers,
    });
    if (status !== 200) throw new Error(`create failed with ${status}: ${JSON.stringify(body)}`);
    return body;
  }

  async retrieve(id: string): Promise<WireMessageBatch> {
    return (await this.json<WireMessageBatch>(`/v1/messages/batches/${id}`)).body;
  }

  async waitFor(
    id: string,
    done: (batch: WireMessageBatch) => boolean = (batch) => batch.processing_status === 'ended',
    timeoutMs = 10_000,
  ): Promise<WireMessageBatch> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = await this.retrieve(id);
      if (done(batch)) return batch;
      if (Date.now() > deadline) throw new Error(`batch ${id} stuck in ${batch.processing_status}`);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  async results(batch: WireMessageBatch): Promise<IndividualResponse[]> {
    if (!batch.results_url) throw new Error(`batch ${batch.id} has no results_url`);
    const res = await this.fetch(batch.results_url);
    if (res.status !== 200) throw new Error(`results failed with ${res.status}`);
    const text = await res.text();
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as IndividualResponse);
  }
}

export function messageRequest(customId: string, content: string, params: Record<string, unknown> = {}) {
  return {
    custom_id: customId,
    params: {
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [{ role: 'user', content }],
      ...params,
    },
  };
}

export function messageRequests(count: number, prefix = 'req') {
  return Array.from({ length: count }, (_, i) => messageRequest(`${prefix}-${i}`, `Question number ${i}?`));
}
