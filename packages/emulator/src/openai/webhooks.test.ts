import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type OpenAI from 'openai';
import { InvalidWebhookSignatureError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../server';
import { chatLines, openEmulator, submit, waitFor } from '../test-support';

/** What a receiver got: each POST's headers and exact body. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

let emu: EmulatorHandle;
let client: OpenAI;
let server: Server;
let receiverUrl: string;
const received: Received[] = [];
/** The statuses the receiver answers with, in turn; then 200. */
const answers: number[] = [];

beforeAll(async () => {
  ({ emu, client } = await openEmulator({ stepMs: 20 }));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterEach(() => {
  emu.resetAll();
  received.length = 0;
  answers.length = 0;
});

afterAll(async () => {
  await emu?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const headersOf = (delivery: Received) => delivery.headers as Record<string, string>;

describe("the OpenAI emulator's batch webhooks", () => {
  it('sends nothing until a target is set', async () => {
    const batch = await submit(client, chatLines(2));
    await waitFor(client, batch.id);
    expect(emu.webhookAttempts('openai')).toEqual([]);
    expect(received).toEqual([]);
  });

  it('sends batch.completed, signed so that the openai SDK unwraps it, once the results can be read', async () => {
    const key = secret();
    emu.setWebhooks('openai', { url: receiverUrl, secret: key });
    const batch = await submit(client, chatLines(3));
    const [delivery] = await until('the event', () => received.length > 0 && received);
    const event = await client.webhooks.unwrap(delivery!.body, headersOf(delivery!), key);
    expect(event).toMatchObject({ type: 'batch.completed', object: 'event', data: { id: batch.id } });
    expect(event.id).toMatch(/^evt_/);
    expect(headersOf(delivery!)['webhook-id']).toMatch(/^wh_/);
    expect(headersOf(delivery!)['user-agent']).toMatch(/^OpenAI\/1\.0/);
    // The event is thin: the receiver reads the batch, which has ended and has its output file already.
    const read = await client.batches.retrieve(batch.id);
    expect(read.status).toBe('completed');
    expect(read.output_file_id).not.toBeNull();
    expect(emu.webhookAttempts('openai')).toEqual([
      {
        webhookId: headersOf(delivery!)['webhook-id'],
        type: 'batch.completed',
        subject: batch.id,
        status: 200,
      },
    ]);
  });

  it('names how a batch ended: batch.cancelled', async () => {
    const key = secret();
    emu.setWebhooks('openai', { url: receiverUrl, secret: key });
    emu.setFaults({ slow_factor: 50 });
    const batch = await submit(client, chatLines(2));
    await client.batches.cancel(batch.id);
    const [delivery] = await until('the event', () => received.length > 0 && received);
    const event = await client.webhooks.unwrap(delivery!.body, headersOf(delivery!), key);
    expect(event).toMatchObject({ type: 'batch.cancelled', data: { id: batch.id } });
  });

  it('signs with another key when told to: the SDK refuses those deliveries', async () => {
    const key = secret();
    emu.setWebhooks('openai', { url: receiverUrl, secret: key, sign_with: secret() });
    await submit(client, chatLines(1));
    const [delivery] = await until('the event', () => received.length > 0 && received);
    await expect(client.webhooks.unwrap(delivery!.body, headersOf(delivery!), key)).rejects.toBeInstanceOf(
      InvalidWebhookSignatureError,
    );
  });

  it('delivers one event several times under one webhook-id when told to', async () => {
    const key = secret();
    emu.setWebhooks('openai', { url: receiverUrl, secret: key, deliveries: 3 });
    await submit(client, chatLines(1));
    await until('three deliveries', () => received.length === 3);
    const ids = new Set(received.map((delivery) => headersOf(delivery)['webhook-id']));
    expect(ids.size).toBe(1);
    expect(new Set(received.map((delivery) => delivery.body)).size).toBe(1);
  });

  it("retries a receiver's failure with the same webhook-id, signed anew", async () => {
    const key = secret();
    answers.push(503);
    emu.setWebhooks('openai', { url: receiverUrl, secret: key });
    await submit(client, chatLines(1));
    await until('the retry', () => received.length === 2);
    const [first, retry] = received;
    expect(headersOf(retry!)['webhook-id']).toBe(headersOf(first!)['webhook-id']);
    await expect(client.webhooks.unwrap(retry!.body, headersOf(retry!), key)).resolves.toMatchObject({
      type: 'batch.completed',
    });
    expect(emu.webhookAttempts('openai').map((attempt) => attempt.status)).toEqual([503, 200]);
  });

  it('is configured over HTTP, never shows the secret back, and refuses a malformed target', async () => {
    const key = secret();
    const set = await fetch(`${emu.url}/_emulator/webhooks/openai`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl, secret: key }),
    });
    expect(set.status).toBe(200);
    const view = await (await fetch(`${emu.url}/_emulator/webhooks/openai`)).text();
    expect(JSON.parse(view)).toEqual({ url: receiverUrl, deliveries: 1, attempts: [] });
    expect(view).not.toContain(key.slice(6));
    const bad = await fetch(`${emu.url}/_emulator/webhooks/openai`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl, secret: 'not-a-secret' }),
    });
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
    const other = await fetch(`${emu.url}/_emulator/webhooks/anthropic`);
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: { message: string } }).error.message).toContain('anthropic');
    const stopped = await fetch(`${emu.url}/_emulator/webhooks/openai`, { method: 'DELETE' });
    expect(await stopped.json()).toEqual({ url: null, deliveries: null, attempts: [] });
  });
});
