import { notifyPayload } from '@tranche/queues';
import type { Job } from 'bullmq';
import type { WorkerContext } from '../context';
import { renderWebhook } from '../webhooks/bodies';
import { postWebhook, webhookOrigin } from '../webhooks/post';

/**
 * Delivers one webhook. A failed attempt (network error, timeout, any answer but 2xx) throws, and the queue tries
 * again with exponential backoff until WEBHOOK_ATTEMPTS; the last failure is logged at error level.
 */
export async function processNotify(ctx: WorkerContext, queueJob: Job): Promise<void> {
  const event = notifyPayload.parse(queueJob.data);
  const deliveryId = queueJob.id ?? '';
  const webhook = await renderWebhook(ctx, event);
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
      secret: ctx.env.ALERT_WEBHOOK_SECRET,
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
