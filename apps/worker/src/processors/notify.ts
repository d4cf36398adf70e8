import { getDelivery, renderOnce, type WebhookDeliveryRow, webhookSecretSalts } from '@tranche/db';
import { type NotifyEvent, notifyPayload } from '@tranche/queues';
import { postWebhook, projectSigningSecrets, standardHeaders, webhookOrigin } from '@tranche/webhooks';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../context';
import { renderWebhook } from '../webhooks/bodies';

/** A delivery's id, from its event alone: the `webhook-id` receivers deduplicate on, and its row's key. */
export function deliveryIdOf(event: NotifyEvent): string {
  return event.kind === 'alert' ? `alert:${event.alertId}` : `job:${event.jobId}`;
}

/**
 * The delivery as first rendered from Postgres: stored on the first attempt, so that every later one sends the same
 * URL and bytes even if what the body reads has changed since (a replay adding to a finished job's cost).
 */
async function storedDelivery(
  ctx: WorkerContext,
  event: NotifyEvent,
  id: string,
): Promise<WebhookDeliveryRow | null> {
  const stored = await getDelivery(ctx.sql, id);
  if (stored) return stored;
  const rendered = await renderWebhook(ctx, event);
  return rendered ? renderOnce(ctx.sql, { id, ...rendered }) : null;
}

type Signing = { secrets: string[] } | { refused: string };

/**
 * Alerts are signed with ALERT_WEBHOOK_SECRET (or go unsigned without one: the operator was warned at start); a
 * job's webhook with its project's secret, and during the grace period after a rotation its previous one too.
 */
async function signingSecrets(ctx: WorkerContext, delivery: WebhookDeliveryRow, now: Date): Promise<Signing> {
  if (delivery.event === 'alert') {
    return { secrets: ctx.env.ALERT_WEBHOOK_SECRET ? [ctx.env.ALERT_WEBHOOK_SECRET] : [] };
  }
  const masterKey = ctx.env.WEBHOOK_SECRETS_KEY;
  if (!masterKey) return { refused: 'WEBHOOK_SECRETS_KEY is not set on this worker' };
  const project = delivery.project;
  const salts = project ? await webhookSecretSalts(ctx.sql, project) : null;
  if (!project || !salts) {
    return { refused: `project ${project ?? '(none)'} has no webhook secret (an admin creates one)` };
  }
  return { secrets: projectSigningSecrets(masterKey, project, salts, now) };
}

/**
 * Delivers one webhook. The queue job only names the event: what is sent, where to and under which secret all come
 * from Postgres and the worker's settings, never from the queue job's data (anyone who can add a queue job could put
 * anything there). A failed attempt (network error, timeout, any answer but 2xx, an address that is not public)
 * throws, and the queue tries again with exponential backoff until WEBHOOK_ATTEMPTS; the last failure is logged at
 * error level. A job webhook with no secret to sign it is not sent, and not retried.
 */
export async function processNotify(ctx: WorkerContext, queueJob: Job): Promise<void> {
  const event = notifyPayload.parse(queueJob.data);
  const deliveryId = deliveryIdOf(event);
  const delivery = await storedDelivery(ctx, event, deliveryId);
  if (!delivery) {
    ctx.log.info({ deliveryId }, 'webhook has nowhere to go any more: dropped');
    return;
  }
  const attempt = queueJob.attemptsMade + 1;
  const attempts = queueJob.opts.attempts ?? 1;
  const where = { deliveryId, event: delivery.event, to: webhookOrigin(delivery.url), attempt, attempts };
  const now = new Date();
  const signing = await signingSecrets(ctx, delivery, now);
  if ('refused' in signing) {
    ctx.log.error(
      { ...where, project: delivery.project, reason: signing.refused },
      'job webhook not sent: no secret to sign it with',
    );
    throw new UnrecoverableError(`webhook not sent: ${signing.refused}`);
  }
  const standard =
    signing.secrets.length > 0
      ? standardHeaders({ id: deliveryId, body: delivery.body, secrets: signing.secrets, now })
      : { 'webhook-id': deliveryId, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)) };
  try {
    const status = await postWebhook({
      url: delivery.url,
      body: delivery.body,
      headers: { ...standard, 'x-tranche-event': delivery.event, 'x-tranche-attempt': String(attempt) },
      timeoutMs: ctx.env.WEBHOOK_TIMEOUT_MS,
      // ALERT_WEBHOOK_URL is the operator's; a job's URL is its submitter's.
      allowPrivate: delivery.event === 'alert' || ctx.env.WEBHOOK_ALLOW_PRIVATE,
    });
    ctx.log.info({ ...where, status }, 'webhook delivered');
  } catch (error) {
    // Each failed attempt is logged as a failed queue job (worker.ts); the last one is an error of its own.
    if (attempt >= attempts) {
      const err = error instanceof Error ? error.message : String(error);
      ctx.log.error({ ...where, err }, 'webhook delivery failed: giving up');
    }
    throw error;
  }
}
