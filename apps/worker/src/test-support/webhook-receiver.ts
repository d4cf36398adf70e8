import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from '@tranche/webhooks';

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
  /** Whether its signature verified when it arrived, under the secret `secretFor` named (when given one). */
  verified?: boolean;
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
 * had before this one (200 unless told otherwise). With `secretFor`, each request is verified as it arrives, as a
 * receiver would (a signature's timestamp is stale after 5 minutes, so a test that looks later cannot verify it).
 */
export async function startWebhookReceiver(
  answer: (path: string, earlier: number) => number = () => 200,
  secretFor?: (received: ReceivedWebhook) => string | undefined,
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
      const request: ReceivedWebhook = { path, headers: req.headers, raw, body, status, at: Date.now() };
      if (secretFor) {
        const secret = secretFor(request);
        request.verified = secret !== undefined && signedWith(request, secret);
      }
      received.push(request);
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

/**
 * What a receiver does: verifies the Standard Webhooks signature over the raw body with standardwebhooks' own
 * `verify`, and returns the parsed body. Throws when no signature matches the secret or the timestamp is stale.
 */
export function verifyWebhook(received: ReceivedWebhook, secret: string): unknown {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(received.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  return new Webhook(secret).verify(received.raw.toString('utf8'), headers);
}

/** Whether a receiver holding `secret` accepts the delivery. */
export function signedWith(received: ReceivedWebhook, secret: string): boolean {
  try {
    verifyWebhook(received, secret);
    return true;
  } catch {
    return false;
  }
}

// The end-to-end tests derive a project's secret as the API does when it shows it.
export { deriveProjectSecret } from '@tranche/webhooks';
