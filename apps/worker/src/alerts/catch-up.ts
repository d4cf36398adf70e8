import { recentAlertIds, recentlyFinishedJobs } from '@tranche/db';
import type { WorkerContext } from '../context';
import { enqueueDelivery } from '../webhooks/enqueue';
import { onJobFinished } from './job-finished';

/**
 * How far back the sweeper looks for events whose notification may have been missed. Shorter than the day the
 * notify queue keeps a finished delivery, so a delivery that happened is never queued again.
 */
const CATCH_UP_MIN_S = 3600;

/** Under the day a finished delivery stays in the notify queue, whatever SWEEP_INTERVAL_S: never delivered twice. */
const CATCH_UP_MAX_S = 23 * 3600;

/**
 * Queues again what Postgres says should have been notified: jobs ended by any process (a cancel in the API, a
 * replay done at intake, a worker that died between ending a job and queueing its webhook) and alerts whose
 * delivery could not be queued. Each is a no-op when the delivery is already queued or done.
 */
export async function catchUpNotifications(ctx: WorkerContext): Promise<void> {
  const withinS = Math.min(Math.max(CATCH_UP_MIN_S, 5 * ctx.env.SWEEP_INTERVAL_S), CATCH_UP_MAX_S);
  for (const job of await recentlyFinishedJobs(ctx.sql, withinS)) await onJobFinished(ctx, job.id);
  if (!ctx.env.ALERT_WEBHOOK_URL) return;
  for (const alertId of await recentAlertIds(ctx.sql, withinS)) {
    await enqueueDelivery(ctx, { kind: 'alert', alertId });
  }
}
