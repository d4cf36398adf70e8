import { type AlertRow, insertAlert, type NewAlert } from '@tranche/db';
import type { WorkerContext } from '../context';
import { enqueueDelivery } from '../webhooks/enqueue';

/**
 * The one way to raise an alert. The row is inserted once per dedupe key, whichever worker gets there first; only
 * that worker logs it (at error level) and queues its webhook. Returns the row when this call raised it.
 */
export async function raiseAlert(ctx: WorkerContext, alert: NewAlert): Promise<AlertRow | null> {
  const row = await insertAlert(ctx.sql, alert);
  if (!row) return null;
  ctx.log.error(
    {
      alert: row.kind,
      alertId: row.id,
      project: row.project,
      jobId: row.job_id,
      batchId: row.batch_id,
      details: row.details,
    },
    row.message,
  );
  // If this fails (Redis down), the sweeper queues it again from the alerts table.
  if (ctx.env.ALERT_WEBHOOK_URL) await enqueueDelivery(ctx, { kind: 'alert', alertId: row.id });
  return row;
}

/**
 * Runs a monitoring step without letting it fail the work it watches (a batch's results are stored whether or not
 * an alert could be raised): the sweeper catches up on what was missed.
 */
export async function quietly(ctx: WorkerContext, what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    ctx.log.warn({ err: error instanceof Error ? error.message : String(error) }, `${what} failed`);
  }
}
