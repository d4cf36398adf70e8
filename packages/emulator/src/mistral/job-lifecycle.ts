import { badRequest } from './errors';
import { doneAtTimeout } from './job-progress';
import type { JobRecord } from './job-record';
import type { JobStatus } from './types';

export interface LifecycleHooks {
  now(): number;
  /** Writes the result files for the first `done` requests of the plan's order. */
  writeResults(job: JobRecord, done: number, atMs: number): Promise<void>;
}

/** When the current state ends, or null when it does not end by time alone. */
export function nextTransitionAt(job: JobRecord): number | null {
  switch (job.status) {
    case 'QUEUED':
      return job.planReadyAtMs === null ? null : Math.max(job.createdAtMs + job.stepMs, job.planReadyAtMs);
    case 'RUNNING':
      return job.runningAtMs! + job.stepMs;
    case 'CANCELLATION_REQUESTED':
      return job.cancelRequestedAtMs! + job.stepMs;
    default:
      return null;
  }
}

/**
 * QUEUED → RUNNING → SUCCESS | TIMEOUT_EXCEEDED (the `expire` fault), QUEUED → FAILED, and
 * CANCELLATION_REQUESTED → CANCELLED. Timestamps are the scheduled boundaries, not the time of the read.
 */
export async function advance(job: JobRecord, hooks: LifecycleHooks): Promise<void> {
  for (;;) {
    const at = nextTransitionAt(job);
    if (at === null || hooks.now() < at) return;
    switch (job.status) {
      case 'QUEUED':
        if (job.failure) {
          job.status = 'FAILED';
          job.completedAtMs = at;
          return;
        }
        job.status = 'RUNNING';
        job.runningAtMs = at;
        break;
      case 'RUNNING':
        if (job.faults.expireFraction !== null) {
          await finish(job, 'TIMEOUT_EXCEEDED', doneAtTimeout(job), at, hooks);
        } else {
          await finish(job, 'SUCCESS', job.plan?.total ?? 0, at, hooks);
        }
        return;
      case 'CANCELLATION_REQUESTED':
        await finish(job, 'CANCELLED', job.doneAtCancel ?? 0, at, hooks);
        return;
      default:
        return;
    }
  }
}

async function finish(
  job: JobRecord,
  status: JobStatus & ('SUCCESS' | 'TIMEOUT_EXCEEDED' | 'CANCELLED'),
  done: number,
  atMs: number,
  hooks: LifecycleHooks,
): Promise<void> {
  job.writing ??= hooks.writeResults(job, done, atMs);
  await job.writing;
  if (job.status === status) return;
  job.status = status;
  job.completedAtMs = atMs;
}

/**
 * Seen live: cancelling a job that has not started ends it at once (CANCELLED, no files); a running job goes to
 * CANCELLATION_REQUESTED, then CANCELLED with what finished meanwhile in its files. Cancelling again is a no-op;
 * a job that ended otherwise is refused (the real answer is unconfirmed).
 */
export function cancel(job: JobRecord, nowMs: number, doneNow: number): void {
  if (job.status === 'CANCELLATION_REQUESTED' || job.status === 'CANCELLED') return;
  if (job.status === 'QUEUED') {
    job.status = 'CANCELLED';
    job.doneAtCancel = 0;
    job.completedAtMs = nowMs;
    return;
  }
  if (job.status !== 'RUNNING') throw badRequest(`Cannot cancel a batch job with status ${job.status}.`);
  job.doneAtCancel = doneNow;
  job.status = 'CANCELLATION_REQUESTED';
  job.cancelRequestedAtMs = nowMs;
}
