import { elapsedFraction } from '../core/clock';
import type { JobRecord } from './job-record';
import { int64 } from './proto-json';

/** Rows finished at `nowMs`: while running they finish evenly over the step. */
export function doneCount(job: JobRecord, nowMs: number): number {
  const plan = job.plan;
  if (!plan) return 0;
  switch (job.state) {
    case 'JOB_STATE_RUNNING': {
      const share = elapsedFraction(job.startedAtMs!, job.stepMs, nowMs) * (job.faults.expireFraction ?? 1);
      return Math.floor(plan.total * share);
    }
    case 'JOB_STATE_SUCCEEDED':
    case 'JOB_STATE_PARTIALLY_SUCCEEDED':
      return plan.total;
    case 'JOB_STATE_EXPIRED':
      return doneAtExpiry(job);
    case 'JOB_STATE_CANCELLING':
    case 'JOB_STATE_CANCELLED':
      return job.doneAtCancel ?? 0;
    default:
      return 0;
  }
}

export function doneAtExpiry(job: JobRecord): number {
  return Math.floor((job.plan?.total ?? 0) * (job.faults.expireFraction ?? 1));
}

export interface WireCompletionStats {
  successfulCount?: string;
  failedCount?: string;
  incompleteCount?: string;
}

/** proto3 JSON: int64 counters as strings, zeros left out; rows never run count as incomplete. */
export function completionStats(job: JobRecord, nowMs: number): WireCompletionStats | undefined {
  const plan = job.plan;
  if (!plan || job.state === 'JOB_STATE_PENDING' || job.state === 'JOB_STATE_FAILED') return undefined;
  const done = doneCount(job, nowMs);
  const failed = plan.failedBefore[done]!;
  const stats: WireCompletionStats = {};
  const successful = int64(done - failed);
  const failedCount = int64(failed);
  const incomplete = int64(plan.total - done);
  if (successful) stats.successfulCount = successful;
  if (failedCount) stats.failedCount = failedCount;
  if (incomplete) stats.incompleteCount = incomplete;
  return Object.keys(stats).length > 0 ? stats : undefined;
}
