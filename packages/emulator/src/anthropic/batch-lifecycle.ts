import { elapsedFraction } from '../core/clock';
import type { BatchRecord, EndReason } from './batch-record';
import { badRequest } from './errors';
import type { ProcessingStatus, RequestCounts } from './types';

/**
 * A batch waits one step, processes its requests evenly over the next step, then ends. A cancel stops it
 * where it is; the batch ends one step later (`canceling` meanwhile). The `expire` fault stops processing
 * at its fraction and ends the batch on time with the rest expired.
 */
export function processingStatus(batch: BatchRecord): ProcessingStatus {
  if (batch.endedAtMs !== null) return 'ended';
  return batch.cancelInitiatedAtMs === null ? 'in_progress' : 'canceling';
}

/** Requests finished at `nowMs`. */
export function ranAt(batch: BatchRecord, nowMs: number): number {
  if (batch.ran !== null) return batch.ran;
  const total = batch.plan.outcomes.length;
  const share =
    elapsedFraction(batch.createdAtMs + batch.stepMs, batch.stepMs, nowMs) *
    (batch.faults.expireFraction ?? 1);
  return Math.floor(total * share);
}

/** When the batch ends, or null once it has. */
export function nextTransitionAt(batch: BatchRecord): number | null {
  if (batch.endedAtMs !== null) return null;
  if (batch.cancelInitiatedAtMs !== null) return batch.cancelInitiatedAtMs + batch.stepMs;
  return batch.createdAtMs + 2 * batch.stepMs;
}

export interface LifecycleHooks {
  now(): number;
  /** Writes the results file: the first `batch.ran` requests of `order` ran, the rest did not. */
  writeResults(batch: BatchRecord): Promise<void>;
}

/** Ends the batch if its time has come. `ended_at` is the scheduled boundary, not the time of the read. */
export async function advance(batch: BatchRecord, hooks: LifecycleHooks): Promise<void> {
  const at = nextTransitionAt(batch);
  if (at === null || hooks.now() < at) return;
  if (batch.endReason === null) {
    const total = batch.plan.outcomes.length;
    let reason: EndReason = 'processed';
    if (batch.cancelInitiatedAtMs !== null) reason = 'canceled';
    else if (batch.faults.expireFraction !== null) reason = 'expired';
    batch.ran = reason === 'processed' ? total : ranAt(batch, at);
    batch.endReason = reason;
  }
  batch.writing ??= hooks.writeResults(batch);
  await batch.writing;
  batch.endedAtMs ??= at;
}

/** `in_progress` → `canceling`; cancelling again changes nothing; an ended batch is refused (our choice). */
export function cancel(batch: BatchRecord, nowMs: number): void {
  const status = processingStatus(batch);
  if (status === 'canceling') return;
  if (status === 'ended') throw badRequest(`Batch ${batch.id} has already ended and cannot be canceled.`);
  batch.ran = ranAt(batch, nowMs);
  batch.cancelInitiatedAtMs = nowMs;
}

/** Until the batch ends every request counts as `processing`; then each counts by its result. */
export function requestCounts(batch: BatchRecord): RequestCounts {
  const total = batch.plan.outcomes.length;
  if (batch.endedAtMs === null) {
    return { processing: total, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  }
  const ran = batch.ran ?? total;
  const errored = batch.plan.erroredBefore[ran]!;
  const notRun = total - ran;
  return {
    processing: 0,
    succeeded: ran - errored,
    errored,
    canceled: batch.endReason === 'canceled' ? notRun : 0,
    expired: batch.endReason === 'expired' ? notRun : 0,
  };
}
