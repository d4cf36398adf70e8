import { type AlertRow, insertAlert, type JobRow, requestCancel } from '@tranche/db';
import type { NotifyEvent } from '@tranche/queues';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerContext } from '../context';
import {
  expectedSignature,
  insertTestJob,
  startWebhookReceiver,
  startWorkerHarness,
  type TakenJob,
  type WebhookReceiver,
  type WorkerHarness,
} from '../test-support';
import { WebhookError } from '../webhooks/post';
import { processNotify } from './notify';

const ALERT_SECRET = 'alert-secret-for-tests';
const JOB_SECRET = 'job-secret-for-tests';

let receiver: WebhookReceiver;
/** What the receiver answers every request, until a test says otherwise. */
let receiverStatus = 200;
let h: WorkerHarness;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => receiverStatus);
  h = await startWorkerHarness({
    ALERT_WEBHOOK_URL: `${receiver.url}/alerts`,
    ALERT_WEBHOOK_SECRET: ALERT_SECRET,
    JOB_WEBHOOK_SECRET: JOB_SECRET,
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

/** A job that ended (cancelled by its caller before anything was sent), with a webhook unless told otherwise. */
async function finishedJob(webhookPath: string | null = '/jobs/done'): Promise<JobRow> {
  const spec = webhookPath ? { options: { webhook_url: `${receiver.url}${webhookPath}` } } : {};
  const { job } = await insertTestJob(h.sql, { spec });
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

describe('processNotify', () => {
  it('renders a delivery once: a retry sends the same bytes under the same signature', async () => {
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
    expect(delivered!.headers['x-tranche-signature']).toBe(tried!.headers['x-tranche-signature']);
    expect(delivered!.headers['x-tranche-signature']).toBe(expectedSignature(delivered!.raw, ALERT_SECRET));
    expect([tried, delivered].map((r) => r!.headers['x-tranche-attempt'])).toEqual(['1', '2']);
    expect([tried, delivered].map((r) => r!.headers['x-tranche-delivery'])).toEqual([
      `notify_alert_${alert.id}`,
      `notify_alert_${alert.id}`,
    ]);
  });

  it('sends an alert to the operator, signed with the alert secret', async () => {
    const alert = await raisedAlert();
    const taken = await delivery({ kind: 'alert', alertId: alert.id });

    await processNotify(h.ctx, taken.job);

    const [sent] = receiver.received;
    expect(sent).toMatchObject({ path: '/alerts', headers: { 'x-tranche-event': 'alert' } });
    expect(sent!.headers['x-tranche-signature']).toBe(expectedSignature(sent!.raw, ALERT_SECRET));
    expect(JSON.parse(sent!.raw.toString())).toMatchObject({
      type: 'alert',
      alert: { id: alert.id, kind: 'batch_stuck', message: alert.message },
    });
  });

  it("signs a job's webhook with the job secret, or the alert secret when there is no job secret", async () => {
    const signedApart = await finishedJob('/jobs/apart');
    await processNotify(h.ctx, (await delivery({ kind: 'job', jobId: signedApart.id })).job);
    const signedAlike = await finishedJob('/jobs/alike');
    const noJobSecret: WorkerContext = { ...h.ctx, env: { ...h.ctx.env, JOB_WEBHOOK_SECRET: undefined } };
    await processNotify(noJobSecret, (await delivery({ kind: 'job', jobId: signedAlike.id })).job);

    const [apart, alike] = receiver.received;
    expect(apart).toMatchObject({ path: '/jobs/apart', headers: { 'x-tranche-event': 'job.finished' } });
    expect(JSON.parse(apart!.raw.toString()).job).toMatchObject({ id: signedApart.id, status: 'cancelled' });
    expect(apart!.headers['x-tranche-signature']).toBe(expectedSignature(apart!.raw, JOB_SECRET));
    expect(alike?.path).toBe('/jobs/alike');
    expect(alike!.headers['x-tranche-signature']).toBe(expectedSignature(alike!.raw, ALERT_SECRET));
  });

  it('drops a delivery that has nowhere to go, sending nothing and keeping nothing', async () => {
    const noAlertUrl: WorkerContext = { ...h.ctx, env: { ...h.ctx.env, ALERT_WEBHOOK_URL: undefined } };
    const alert = await delivery({ kind: 'alert', alertId: (await raisedAlert()).id });
    await processNotify(noAlertUrl, alert.job);
    const withoutWebhook = await delivery({ kind: 'job', jobId: (await finishedJob(null)).id });
    await processNotify(h.ctx, withoutWebhook.job);
    const { job: running } = await insertTestJob(h.sql, {
      spec: { options: { webhook_url: `${receiver.url}/jobs/not-yet` } },
    });
    const notFinished = await delivery({ kind: 'job', jobId: running.id });
    await processNotify(h.ctx, notFinished.job);

    expect(receiver.received).toEqual([]);
    for (const taken of [alert, withoutWebhook, notFinished]) {
      expect((await h.queues.notify.getJob(taken.job.id!))?.data).not.toHaveProperty('rendered');
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
      expect.objectContaining({ level: 50, deliveryId: `notify_alert_${alert.id}`, attempt: 2, attempts: 2 }),
    ]);
  });
});
