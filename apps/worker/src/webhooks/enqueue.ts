import type { NotifyEvent } from '@tranche/queues';
import type { WorkerContext } from '../context';

/** Queues one webhook delivery for the event, with the operator's retry policy; the same event again is a no-op. */
export async function enqueueDelivery(ctx: WorkerContext, event: NotifyEvent): Promise<void> {
  await ctx.queues.enqueueNotify(event, {
    attempts: ctx.env.WEBHOOK_ATTEMPTS,
    backoffMs: ctx.env.WEBHOOK_BACKOFF_MS,
  });
}
