import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived: the signature is over these bytes. */
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: webhook bodies are read loosely in tests
  body: any;
  /** What the receiver answered. */
  status: number;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  to(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A webhook endpoint on a free local port that records every request: the worker's notify tests post to it in-process,
 * the end-to-end tests from a worker process. `answer` picks the status from the path and how many requests that path
 * had before this one (200 unless told otherwise).
 */
export async function startWebhookReceiver(
  answer: (path: string, earlier: number) => number = () => 200,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const to = (path: string) => received.filter((r) => r.path === path);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const status = answer(path, to(path).length);
      let body: unknown = null;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        // kept raw: the test says what it expected
      }
      received.push({ path, headers: req.headers, raw, body, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    to,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a receiver computes to check `X-Tranche-Signature`: HMAC-SHA256 of the raw body under the shared secret. */
export function expectedSignature(raw: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}
