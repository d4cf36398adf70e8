import { elapsedFraction } from '../core/clock';
import type { JobRecord } from './job-record';

/** Requests finished at `nowMs`: during RUNNING they finish evenly over the step. */
export function doneCount(job: JobRecord, nowMs: number): number {
  const plan = job.plan;
  if (!plan) return 0;
  switch (job.status) {
    case 'RUNNING': {
      const share = elapsedFraction(job.runningAtMs!, job.stepMs, nowMs) * (job.faults.expireFraction ?? 1);
      return Math.floor(plan.total * share);
    }
    case 'SUCCESS':
      return plan.total;
    case 'TIMEOUT_EXCEEDED':
      return doneAtTimeout(job);
    case 'CANCELLATION_REQUESTED':
    case 'CANCELLED':
      return job.doneAtCancel ?? 0;
    default:
      return 0;
  }
}

export function doneAtTimeout(job: JobRecord): number {
  return Math.floor((job.plan?.total ?? 0) * (job.faults.expireFraction ?? 1));
}

export interface JobCounts {
  total: number;
  /** Processed, successes and failures alike (seen live: 4 completed = 2 succeeded + 2 failed). */
  completed: number;
  succeeded: number;
  failed: number;
}

/** Requests cut off by a timeout or a cancel are in no count but `total`. */
export function jobCounts(job: JobRecord, nowMs: number): JobCounts {
  const plan = job.plan;
  if (!plan || job.status === 'FAILED') return { total: 0, completed: 0, succeeded: 0, failed: 0 };
  const done = doneCount(job, nowMs);
  const failed = plan.failedBefore[done]!;
  return { total: plan.total, completed: done, succeeded: done - failed, failed };
}
