import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, WebhookError } from './post';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let port: number;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(() => {
  received.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const body = JSON.stringify({ type: 'job.finished' });
const request = (url: string, allowPrivate: boolean) => ({
  url,
  body,
  headers: { 'webhook-id': 'job:j1' },
  timeoutMs: 5_000,
  allowPrivate,
});

describe('postWebhook', () => {
  it('delivers to a private address when allowed', async () => {
    expect(await postWebhook(request(`http://127.0.0.1:${port}/hook`, true))).toBe(200);

    expect(received).toEqual([
      {
        path: '/hook',
        body,
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'user-agent': 'tranche-webhooks/1',
          'webhook-id': 'job:j1',
        }),
      },
    ]);
  });

  it('refuses to connect to an IP literal that is not public, unless allowed', async () => {
    const error = await postWebhook(request(`http://127.0.0.1:${port}/hook`, false)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WebhookError);
    expect((error as Error).message).toBe(
      `not sent to http://127.0.0.1:${port}: refused to connect to 127.0.0.1 (loopback): not a public address`,
    );
    await expect(postWebhook(request(`http://[::1]:${port}/hook`, false))).rejects.toThrow(
      'refused to connect to ::1 (loopback): not a public address',
    );
    expect(received).toEqual([]);
  });

  it('refuses to connect to a name that resolves to an address that is not public, when it connects', async () => {
    const error = await postWebhook(request(`http://localhost:${port}/hook`, false)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WebhookError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^not sent to http://localhost:${port}: refused to connect to localhost: it resolves to .*\\(loopback\\), not a public address$`,
      ),
    );
    expect(received).toEqual([]);
    expect(await postWebhook(request(`http://localhost:${port}/hook`, true))).toBe(200);
  });

  it('does not follow a redirect: it is an answer that is not 2xx', async () => {
    await expect(postWebhook(request(`http://127.0.0.1:${port}/redirect`, true))).rejects.toThrow(
      new WebhookError(`http://127.0.0.1:${port} answered HTTP 302`),
    );
    expect(received.map((r) => r.path)).toEqual(['/redirect']);
  });

  it('sends nowhere but http(s)', async () => {
    await expect(postWebhook(request('data:application/json,{}', true))).rejects.toThrow(
      'not an http or https URL',
    );
  });

  it('never puts a password of the URL into its error', async () => {
    const caught = await postWebhook(
      request(`http://user:s3cret-pw@127.0.0.1:${port}/hook?token=t0k`, true),
    ).catch((error: Error) => error);
    expect(caught).toBeInstanceOf(WebhookError);
    expect((caught as Error).message).toBe(
      `not sent to http://127.0.0.1:${port}: the URL carries a user name or password`,
    );
    expect(received).toEqual([]);
  });

  it('says when no one answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await expect(postWebhook(request(`http://127.0.0.1:${closedPort}/hook`, true))).rejects.toThrow(
      new WebhookError(`no answer from http://127.0.0.1:${closedPort}: ECONNREFUSED`),
    );
  });
});
