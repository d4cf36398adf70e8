import { elapsedFraction } from '../clock';
import type { EngineBatch } from './batch';

/** Requests finished at `now`: while running they finish evenly over the step (up to the `expire` fraction). */
export function doneAt(batch: EngineBatch, now: number): number {
  const plan = batch.plan;
  if (!plan) return 0;
  switch (batch.phase) {
    case 'running': {
      const share =
        elapsedFraction(batch.at.running!, batch.stepMs, now) * (batch.faults.expireFraction ?? 1);
      return Math.floor(plan.total * share);
    }
    case 'finalizing':
      return plan.total;
    case 'cancelling':
      return batch.doneAtCancel ?? 0;
    case 'ended':
      switch (batch.end) {
        case 'completed':
          return plan.total;
        case 'expired':
          return doneAtExpiry(batch);
        case 'cancelled':
          return batch.doneAtCancel ?? 0;
        default:
          return 0;
      }
    default:
      return 0;
  }
}

export function doneAtExpiry(batch: EngineBatch): number {
  return Math.floor((batch.plan?.total ?? 0) * (batch.faults.expireFraction ?? 1));
}

export interface Progress {
  total: number;
  /** Requests that ran, successes and failures alike. */
  done: number;
  failed: number;
}

/** Where the batch stands at `now`, or null before it has a plan. */
export function progressAt(batch: EngineBatch, now: number): Progress | null {
  const plan = batch.plan;
  if (!plan) return null;
  const done = doneAt(batch, now);
  return { total: plan.total, done, failed: plan.failedBefore[done]! };
}
