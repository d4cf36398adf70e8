import { randomBytes } from 'node:crypto';
import {
  type AlertRow,
  getDelivery,
  insertAlert,
  type JobRow,
  requestCancel,
  rotateWebhookSecret,
} from '@tranche/db';
import type { NotifyEvent } from '@tranche/queues';
import { deriveProjectSecret, newSalt, WebhookError } from '@tranche/webhooks';
import { UnrecoverableError } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerContext } from '../context';
import {
  insertTestJob,
  type ReceivedWebhook,
  signedWith,
  startWebhookReceiver,
  startWorkerHarness,
  type TakenJob,
  verifyWebhook,
  type WebhookReceiver,
  type WorkerHarness,
} from '../test-support';
import { processNotify } from './notify';

const ALERT_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SECRETS_KEY = 'worker-tests-webhook-secrets-key-0123456789';

let receiver: WebhookReceiver;
/** What the receiver answers every request, until a test says otherwise. */
let receiverStatus = 200;
let h: WorkerHarness;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => receiverStatus);
  h = await startWorkerHarness({
    ALERT_WEBHOOK_URL: `${receiver.url}/alerts`,
    ALERT_WEBHOOK_SECRET: ALERT_SECRET,
    WEBHOOK_SECRETS_KEY: SECRETS_KEY,
    // The receiver listens on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });
});
afterEach(() => {
  receiver.received.length = 0;
  receiverStatus = 200;
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

let alerts = 0;
async function raisedAlert(message = 'batch b has been validating for too long'): Promise<AlertRow> {
  alerts += 1;
  return (await insertAlert(h.sql, {
    kind: 'batch_stuck',
    dedupeKey: `batch_stuck:notify-test-${alerts}:validating`,
    project: 'worker-tests',
    message,
  }))!;
}

let projects = 0;
/** A project of its own with a webhook secret, as an admin's rotation makes one; returns its secret. */
async function projectWithSecret(): Promise<{ project: string; secret: string }> {
  projects += 1;
  const project = `notify-tests-${projects}`;
  const salt = newSalt();
  await rotateWebhookSecret(h.sql, project, salt);
  return { project, secret: deriveProjectSecret(SECRETS_KEY, project, salt) };
}

/** A job that ended (cancelled by its caller before anything was sent), with a webhook unless told otherwise. */
async function finishedJob(webhookPath: string | null = '/jobs/done', project?: string): Promise<JobRow> {
  const spec = webhookPath ? { options: { webhook_url: `${receiver.url}${webhookPath}` } } : {};
  const { job } = await insertTestJob(h.sql, { spec, ...(project ? { project } : {}) });
  const outcome = await requestCancel(h.sql, job.id, 'user', h.ctx.priceFor);
  expect(outcome).toMatchObject({ kind: 'cancelling', finished: 'cancelled' });
  return job;
}

/** Queues the delivery as the worker does and takes it off the queue, locked, as a worker would. */
async function delivery(event: NotifyEvent, attempts = 3): Promise<TakenJob> {
  await h.queues.enqueueNotify(event, { attempts, backoffMs: 10 });
  return h.take('notify');
}

/** Fails the attempt as the worker would after the processor threw, and takes the retry the queue scheduled. */
async function retry(taken: TakenJob, error: Error): Promise<TakenJob> {
  await taken.job.moveToFailed(error, taken.token);
  expect(await taken.job.getState()).toBe('delayed');
  await taken.job.promote();
  return h.take('notify');
}

const withEnv = (env: Partial<WorkerContext['env']>): WorkerContext => ({
  ...h.ctx,
  env: { ...h.ctx.env, ...env },
});

const signatures = (sent: ReceivedWebhook) => String(sent.headers['webhook-signature']).split(' ');

describe('processNotify', () => {
  it('renders a delivery once: a retry sends the same bytes under the same id, signed anew', async () => {
    const alert = await raisedAlert('the words of the first attempt');
    const first = await delivery({ kind: 'alert', alertId: alert.id });
    receiverStatus = 503;

    const error = await processNotify(h.ctx, first.job).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WebhookError);
    // What the body reads changes before the retry (alerts never change in production: this stands in for
    // anything a body is rendered from, like a finished job's cost after a replay).
    await h.sql`update alerts set message = 'the words of a later attempt' where id = ${alert.id}`;
    receiverStatus = 200;
    const second = await retry(first, error as Error);
    await processNotify(h.ctx, second.job);

    const [tried, delivered] = receiver.received;
    expect(receiver.received).toHaveLength(2);
    expect(delivered!.raw.equals(tried!.raw)).toBe(true);
    expect(JSON.parse(delivered!.raw.toString()).alert.message).toBe('the words of the first attempt');
    for (const sent of [tried!, delivered!]) expect(verifyWebhook(sent, ALERT_SECRET)).toEqual(sent.body);
    expect([tried, delivered].map((r) => r!.headers['x-tranche-attempt'])).toEqual(['1', '2']);
    expect([tried, delivered].map((r) => r!.headers['webhook-id'])).toEqual([
      `alert:${alert.id}`,
      `alert:${alert.id}`,
    ]);
    expect(await getDelivery(h.sql, `alert:${alert.id}`)).toMatchObject({
      event: 'alert',
      project: null,
      url: `${receiver.url}/alerts`,
      body: tried!.raw.toString(),
    });
  });

  it('sends an alert to the operator, signed with the alert secret, under the Standard Webhooks headers', async () => {
    const alert = await raisedAlert();
    const taken = await delivery({ kind: 'alert', alertId: alert.id });

    await processNotify(h.ctx, taken.job);

    const [sent] = receiver.received;
    expect(sent?.path).toBe('/alerts');
    expect(sent!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'tranche-webhooks/1',
      'x-tranche-event': 'alert',
      'webhook-id': `alert:${alert.id}`,
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'x-tranche-attempt': '1',
    });
    expect(sent!.headers).not.toHaveProperty('x-tranche-signature');
    expect(sent!.headers).not.toHaveProperty('x-tranche-delivery');
    expect(signatures(sent!)).toHaveLength(1);
    expect(verifyWebhook(sent!, ALERT_SECRET)).toMatchObject({
      type: 'alert',
      alert: { id: alert.id, kind: 'batch_stuck', message: alert.message },
    });
  });

  it("signs a job's webhook with its project's secret, which no other project and not the alert secret verify", async () => {
    const acme = await projectWithSecret();
    const other = await projectWithSecret();
    const job = await finishedJob('/jobs/signed', acme.project);

    await processNotify(h.ctx, (await delivery({ kind: 'job', jobId: job.id })).job);

    const [sent] = receiver.received;
    expect(sent).toMatchObject({
      path: '/jobs/signed',
      headers: { 'x-tranche-event': 'job.finished', 'webhook-id': `job:${job.id}` },
    });
    expect(verifyWebhook(sent!, acme.secret)).toMatchObject({
      type: 'job.finished',
      job: { id: job.id, status: 'cancelled', project: acme.project },
    });
    expect(signatures(sent!)).toHaveLength(1);
    expect(signedWith(sent!, other.secret)).toBe(false);
    expect(signedWith(sent!, ALERT_SECRET)).toBe(false);
  });

  it('signs with the previous secret too for a day after a rotation, so receivers can switch without a gap', async () => {
    const { project, secret: before } = await projectWithSecret();
    const salt = newSalt();
    await rotateWebhookSecret(h.sql, project, salt);
    const after = deriveProjectSecret(SECRETS_KEY, project, salt);

    await processNotify(
      h.ctx,
      (await delivery({ kind: 'job', jobId: (await finishedJob('/jobs/grace', project)).id })).job,
    );
    await h.sql`update webhook_secrets set rotated_at = now() - interval '25 hours' where project = ${project}`;
    await processNotify(
      h.ctx,
      (await delivery({ kind: 'job', jobId: (await finishedJob('/jobs/past', project)).id })).job,
    );

    const [inGrace, pastGrace] = receiver.received;
    expect(signatures(inGrace!)).toHaveLength(2);
    expect(signedWith(inGrace!, before)).toBe(true);
    expect(signedWith(inGrace!, after)).toBe(true);
    expect(signatures(pastGrace!)).toHaveLength(1);
    expect(signedWith(pastGrace!, after)).toBe(true);
    expect(signedWith(pastGrace!, before)).toBe(false);
  });

  it("sends only what it rendered from Postgres to the job's own URL, whatever else the queue job carries", async () => {
    const { project, secret } = await projectWithSecret();
    const job = await finishedJob('/jobs/own', project);
    const forged = {
      kind: 'job',
      jobId: job.id,
      rendered: { url: `${receiver.url}/forged`, event: 'job.finished', body: '{"forged":true}' },
      url: `${receiver.url}/forged`,
      body: '{"forged":true}',
      project: 'someone-else',
      secret: 'whsec_Zm9yZ2VkLXNlY3JldC1mb3ItdGVzdHMtMDEyMzQ1',
    };
    await h.queues.notify.add('deliver-job-finished', forged, { jobId: 'added-by-hand', attempts: 1 });

    await processNotify(h.ctx, (await h.take('notify')).job);

    expect(receiver.received.map((r) => r.path)).toEqual(['/jobs/own']);
    const [sent] = receiver.received;
    expect(sent!.headers['webhook-id']).toBe(`job:${job.id}`);
    expect(verifyWebhook(sent!, secret)).toMatchObject({
      type: 'job.finished',
      job: { id: job.id, project },
    });
    expect(sent!.raw.toString()).not.toContain('forged');
  });

  it('does not send a job webhook it cannot sign, says why at error level, and does not retry it', async () => {
    const noSecret = await finishedJob('/jobs/no-secret', 'project-without-secret');
    const unsigned = await delivery({ kind: 'job', jobId: noSecret.id });
    const noProjectSecret = await processNotify(h.ctx, unsigned.job).catch((e: unknown) => e);
    const { project } = await projectWithSecret();
    const noKey = await finishedJob('/jobs/no-key', project);
    const noKeyError = await processNotify(
      withEnv({ WEBHOOK_SECRETS_KEY: undefined }),
      (await delivery({ kind: 'job', jobId: noKey.id })).job,
    ).catch((e: unknown) => e);

    expect(receiver.received).toEqual([]);
    expect(noProjectSecret).toBeInstanceOf(UnrecoverableError);
    expect(noKeyError).toBeInstanceOf(UnrecoverableError);
    await unsigned.job.moveToFailed(noProjectSecret as Error, unsigned.token);
    expect(await unsigned.job.getState()).toBe('failed');
    const logged = h.logs.withMessage('job webhook not sent: no secret to sign it with');
    expect(logged).toEqual([
      expect.objectContaining({
        level: 50,
        deliveryId: `job:${noSecret.id}`,
        project: 'project-without-secret',
        reason: 'project project-without-secret has no webhook secret (an admin creates one)',
      }),
      expect.objectContaining({
        level: 50,
        deliveryId: `job:${noKey.id}`,
        project,
        reason: 'WEBHOOK_SECRETS_KEY is not set on this worker',
      }),
    ]);
    expect(JSON.stringify(h.logs.lines)).not.toContain(SECRETS_KEY);
  });

  it("refuses a job's webhook to an address that is not public unless WEBHOOK_ALLOW_PRIVATE; alerts go anyway", async () => {
    const guarded = withEnv({ WEBHOOK_ALLOW_PRIVATE: false });
    const { project } = await projectWithSecret();
    const job = await finishedJob('/jobs/private', project);

    const error = await processNotify(guarded, (await delivery({ kind: 'job', jobId: job.id })).job).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as Error).message).toBe(
      `not sent to ${receiver.url}: refused to connect to 127.0.0.1 (loopback): not a public address`,
    );
    expect(receiver.received).toEqual([]);

    await processNotify(guarded, (await delivery({ kind: 'alert', alertId: (await raisedAlert()).id })).job);
    expect(receiver.received.map((r) => r.path)).toEqual(['/alerts']);
  });

  it('drops a delivery that has nowhere to go, sending nothing and storing nothing', async () => {
    const noAlertUrl = withEnv({ ALERT_WEBHOOK_URL: undefined });
    const alert = await raisedAlert();
    await processNotify(noAlertUrl, (await delivery({ kind: 'alert', alertId: alert.id })).job);
    const withoutWebhook = await finishedJob(null);
    await processNotify(h.ctx, (await delivery({ kind: 'job', jobId: withoutWebhook.id })).job);
    const { job: running } = await insertTestJob(h.sql, {
      spec: { options: { webhook_url: `${receiver.url}/jobs/not-yet` } },
    });
    await processNotify(h.ctx, (await delivery({ kind: 'job', jobId: running.id })).job);

    expect(receiver.received).toEqual([]);
    for (const id of [`alert:${alert.id}`, `job:${withoutWebhook.id}`, `job:${running.id}`]) {
      expect(await getDelivery(h.sql, id)).toBeNull();
    }
    expect(h.logs.withMessage('webhook has nowhere to go any more: dropped')).toHaveLength(3);
  });

  it('throws on an answer that is not 2xx so the queue tries again, and says so at error level when it gives up', async () => {
    receiverStatus = 500;
    const alert = await raisedAlert();
    const first = await delivery({ kind: 'alert', alertId: alert.id }, 2);

    const error = await processNotify(h.ctx, first.job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as Error).message).toBe(`${receiver.url} answered HTTP 500`);
    expect(h.logs.withMessage('webhook delivery failed: giving up')).toEqual([]);

    const last = await retry(first, error as Error);
    await expect(processNotify(h.ctx, last.job)).rejects.toBeInstanceOf(WebhookError);

    expect(receiver.received).toHaveLength(2);
    expect(h.logs.withMessage('webhook delivery failed: giving up')).toEqual([
      expect.objectContaining({ level: 50, deliveryId: `alert:${alert.id}`, attempt: 2, attempts: 2 }),
    ]);
  });
});
