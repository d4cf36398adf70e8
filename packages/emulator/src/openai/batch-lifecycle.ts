import { doneAtExpiry } from './batch-progress';
import type { BatchRecord } from './batch-record';
import { badRequest } from './errors';
import type { BatchStatus } from './types';

export interface LifecycleHooks {
  now(): number;
  /** Writes the result files for the first `done` requests (the rest expired when `expired`). */
  writeResults(batch: BatchRecord, done: number, expired: boolean, atMs: number): Promise<void>;
}

/** When the current state ends, or null when it does not end by time alone. */
export function nextTransitionAt(batch: BatchRecord): number | null {
  switch (batch.status) {
    case 'validating':
      return batch.planReadyAtMs === null
        ? null
        : Math.max(batch.createdAtMs + batch.stepMs, batch.planReadyAtMs);
    case 'in_progress':
      return batch.inProgressAtMs! + batch.stepMs;
    case 'finalizing':
      return batch.finalizingAtMs! + batch.stepMs;
    case 'cancelling':
      return batch.planReadyAtMs === null
        ? null
        : Math.max(batch.cancellingAtMs! + batch.stepMs, batch.planReadyAtMs);
    default:
      return null;
  }
}

/**
 * Moves the batch through every transition due by now. Timestamps are the scheduled boundaries,
 * not the time of the read, so the outcome does not depend on when anyone looks.
 */
export async function advance(batch: BatchRecord, hooks: LifecycleHooks): Promise<void> {
  for (;;) {
    const at = nextTransitionAt(batch);
    if (at === null || hooks.now() < at) return;
    switch (batch.status) {
      case 'validating':
        if (batch.errors) {
          batch.status = 'failed';
          batch.failedAtMs = at;
          return;
        }
        batch.status = 'in_progress';
        batch.inProgressAtMs = at;
        break;
      case 'in_progress':
        if (batch.faults.expireFraction !== null) {
          await finish(batch, 'expired', doneAtExpiry(batch), at, hooks);
          return;
        }
        batch.status = 'finalizing';
        batch.finalizingAtMs = at;
        break;
      case 'finalizing':
        await finish(batch, 'completed', batch.plan?.total ?? 0, at, hooks);
        return;
      case 'cancelling':
        await finish(batch, 'cancelled', batch.doneAtCancel ?? 0, at, hooks);
        return;
      default:
        return;
    }
  }
}

async function finish(
  batch: BatchRecord,
  status: BatchStatus & ('completed' | 'expired' | 'cancelled'),
  done: number,
  atMs: number,
  hooks: LifecycleHooks,
): Promise<void> {
  batch.writing ??= hooks.writeResults(batch, done, status === 'expired', atMs);
  await batch.writing;
  if (batch.status === status) return;
  batch.status = status;
  if (status === 'completed') batch.completedAtMs = atMs;
  else if (status === 'expired') batch.expiredAtMs = atMs;
  else batch.cancelledAtMs = atMs;
}

/**
 * `validating`/`in_progress` → `cancelling`. What finished so far goes to the result files; the
 * guide only promises "partial results", so unfinished requests are in neither file (our choice),
 * unlike expiry, which lists them as `batch_expired`. Cancelling again is a no-op; other states are refused.
 */
export function cancel(batch: BatchRecord, nowMs: number, doneNow: number): void {
  if (batch.status === 'cancelling' || batch.status === 'cancelled') return;
  if (batch.status !== 'validating' && batch.status !== 'in_progress') {
    throw badRequest(`Cannot cancel a batch with status '${batch.status}'.`, null, 'invalid_state');
  }
  batch.doneAtCancel = batch.status === 'in_progress' ? doneNow : 0;
  batch.status = 'cancelling';
  batch.cancellingAtMs = nowMs;
}
