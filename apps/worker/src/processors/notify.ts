import { notifyPayload } from '@tranche/queues';
import type { Job } from 'bullmq';
import type { WorkerContext } from '../context';
import { type RenderedWebhook, renderWebhook } from '../webhooks/bodies';
import { postWebhook, webhookOrigin } from '../webhooks/post';

/**
 * Delivers one webhook. A failed attempt (network error, timeout, any answer but 2xx) throws, and the queue tries
 * again with exponential backoff until WEBHOOK_ATTEMPTS; the last failure is logged at error level.
 */
export async function processNotify(ctx: WorkerContext, queueJob: Job): Promise<void> {
  const event = notifyPayload.parse(queueJob.data);
  const deliveryId = queueJob.id ?? '';
  // Rendered once, on the first attempt, and kept with the delivery: a later attempt sends the same bytes under the
  // same signature even if what the body reads has changed since (a replay adding to a finished job's cost).
  const kept = (queueJob.data as { rendered?: RenderedWebhook }).rendered;
  const webhook = kept ?? (await renderWebhook(ctx, event));
  if (webhook && !kept) await queueJob.updateData({ ...queueJob.data, rendered: webhook });
  if (!webhook) {
    ctx.log.info({ deliveryId }, 'webhook has nowhere to go any more: dropped');
    return;
  }
  const attempt = queueJob.attemptsMade + 1;
  const attempts = queueJob.opts.attempts ?? 1;
  const where = { deliveryId, event: webhook.event, to: webhookOrigin(webhook.url), attempt, attempts };
  try {
    const status = await postWebhook({
      url: webhook.url,
      body: webhook.body,
      event: webhook.event,
      deliveryId,
      attempt,
      // A job's receiver is a user's service: with a secret of its own, it cannot sign alerts to the operator.
      secret:
        webhook.event === 'alert'
          ? ctx.env.ALERT_WEBHOOK_SECRET
          : (ctx.env.JOB_WEBHOOK_SECRET ?? ctx.env.ALERT_WEBHOOK_SECRET),
      timeoutMs: ctx.env.WEBHOOK_TIMEOUT_MS,
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
