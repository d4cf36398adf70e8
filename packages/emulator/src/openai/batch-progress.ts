import type { BatchRequestCounts } from 'openai/resources/batches';
import { elapsedFraction } from '../core/clock';
import type { BatchRecord } from './batch-record';
import type { BatchUsage } from './types';

/** Requests finished at `nowMs`: during `in_progress` they finish evenly over the step. */
export function doneCount(batch: BatchRecord, nowMs: number): number {
  const plan = batch.plan;
  if (!plan) return 0;
  switch (batch.status) {
    case 'in_progress': {
      const share =
        elapsedFraction(batch.inProgressAtMs!, batch.stepMs, nowMs) * (batch.faults.expireFraction ?? 1);
      return Math.floor(plan.total * share);
    }
    case 'finalizing':
    case 'completed':
      return plan.total;
    case 'expired':
      return doneAtExpiry(batch);
    case 'cancelling':
    case 'cancelled':
      return batch.doneAtCancel ?? 0;
    default:
      return 0;
  }
}

export function doneAtExpiry(batch: BatchRecord): number {
  return Math.floor((batch.plan?.total ?? 0) * (batch.faults.expireFraction ?? 1));
}

/**
 * Expired requests count as failed (they are in the error file). Requests a cancel cut off
 * are in neither count nor file, so `completed + failed < total` after a cancel.
 */
export function requestCounts(batch: BatchRecord, nowMs: number): BatchRequestCounts {
  const plan = batch.plan;
  if (!plan || batch.status === 'validating' || batch.status === 'failed')
    return { total: 0, completed: 0, failed: 0 };
  const done = doneCount(batch, nowMs);
  const failed = plan.failedBefore[done]!;
  const expired = batch.status === 'expired' ? plan.total - done : 0;
  return { total: plan.total, completed: done - failed, failed: failed + expired };
}

/** Billed usage: successful requests only. */
export function usageAt(batch: BatchRecord, nowMs: number): BatchUsage {
  const plan = batch.plan;
  const done = plan ? doneCount(batch, nowMs) : 0;
  const input = plan ? plan.inputTokensBefore[done]! : 0;
  const output = plan ? plan.outputTokensBefore[done]! : 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: plan ? plan.cachedTokensBefore[done]! : 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}
