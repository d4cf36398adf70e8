import {
  type JobFinishedEvent,
  TrancheClient,
  verifyWebhook,
  WebhookVerificationError,
} from '@tranche/client';
import { jobFinishedEventSchema } from '@tranche/contracts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';
import {
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver';
import { chatJob } from './support/jobs';

let stack: Stack;
let receiver: WebhookReceiver;
let client: TrancheClient;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // The receiver listens on loopback: the stack allows private webhook addresses.
  stack = await startStack({ name: 'client-webhooks', workers: 1 });
  client = new TrancheClient({ url: stack.apiUrl });
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

/** Runs a job of `project` with a webhook to `path` and returns the delivery the worker made once it ended. */
async function deliveryOf(
  project: string,
  path: string,
): Promise<{ jobId: string; delivery: ReceivedWebhook }> {
  const submitted = await client.submit({
    ...chatJob(project),
    options: { webhook_url: `${receiver.url}${path}` },
  });
  await client.wait(submitted.job_id, { intervalMs: 200, timeoutMs: 30_000 });
  const delivery = await waitFor('the job webhook', async () => receiver.to(path)[0], { timeoutMs: 20_000 });
  return { jobId: submitted.job_id, delivery };
}

it("verifies a real job webhook with its project's secret, from Node headers or fetch Headers", async () => {
  const { secret } = await client.rotateWebhookSecret('client-hooks');
  const { jobId, delivery } = await deliveryOf('client-hooks', '/first');

  const event: JobFinishedEvent = verifyWebhook(delivery.headers, delivery.raw, secret);
  expect(event).toMatchObject({
    type: 'job.finished',
    job: {
      id: jobId,
      status: 'completed',
      project: 'client-hooks',
      reconciliation: { inputs: 3, succeeded: 3 },
    },
  });
  // The body the worker really sends is the one the OpenAPI document describes (strict: no undocumented field).
  expect(jobFinishedEventSchema.safeParse(event).error).toBeUndefined();
  const headers = new Headers();
  for (const [name, value] of Object.entries(delivery.headers))
    if (typeof value === 'string') headers.set(name, value);
  expect(verifyWebhook(headers, delivery.raw.toString('utf8'), secret)).toEqual(event);

  const { secret: other } = await client.rotateWebhookSecret('client-hooks-other');
  expect(() => verifyWebhook(delivery.headers, delivery.raw, other)).toThrow(WebhookVerificationError);
  const tampered = delivery.raw.toString('utf8').replace('"completed"', '"failed"');
  expect(() => verifyWebhook(delivery.headers, tampered, secret)).toThrow(WebhookVerificationError);
  const { 'webhook-signature': _, ...unsigned } = delivery.headers;
  expect(() => verifyWebhook(unsigned, delivery.raw, secret)).toThrow(/Missing required headers/);
  expect(() => verifyWebhook(delivery.headers, delivery.raw, 'not a secret')).toThrow(
    WebhookVerificationError,
  );
});

it('verifies with the old secret and the new one while a rotation is in its grace period', async () => {
  const { secret: before } = await client.rotateWebhookSecret('client-rotated');
  const { secret: after } = await client.rotateWebhookSecret('client-rotated');
  const { delivery } = await deliveryOf('client-rotated', '/rotated');

  expect(String(delivery.headers['webhook-signature']).split(' ')).toHaveLength(2);
  expect(verifyWebhook(delivery.headers, delivery.raw, before).job.project).toBe('client-rotated');
  expect(verifyWebhook(delivery.headers, delivery.raw, after).job.project).toBe('client-rotated');
});
