import { failedPrecondition } from './google-errors';
import { doneAtExpiry, doneCount } from './job-progress';
import { type JobRecord, type JobState, TERMINAL_STATES } from './job-record';

export interface LifecycleHooks {
  now(): number;
  /** Writes the outputs of the first `done` rows. */
  writeOutputs(job: JobRecord, done: number): Promise<void>;
  /** The job ended; what it held on to (input links) can go. */
  ended(job: JobRecord): void;
}

/** When the current state ends, or null when it does not end by time alone. */
export function nextTransitionAt(job: JobRecord): number | null {
  switch (job.state) {
    case 'JOB_STATE_PENDING':
      return job.planReadyAtMs === null ? null : Math.max(job.createdAtMs + job.stepMs, job.planReadyAtMs);
    case 'JOB_STATE_RUNNING':
      return job.startedAtMs! + job.stepMs;
    case 'JOB_STATE_CANCELLING':
      return job.planReadyAtMs === null
        ? null
        : Math.max(job.cancellingAtMs! + job.stepMs, job.planReadyAtMs);
    default:
      return null;
  }
}

/**
 * PENDING → RUNNING → SUCCEEDED (or PARTIALLY_SUCCEEDED, per the `partial_failure_state` switch, when rows
 * failed), EXPIRED with the `expire` fault, FAILED on bad input; CANCELLING → CANCELLED. Timestamps are the
 * scheduled boundaries, so the outcome does not depend on when anyone looks.
 */
export async function advance(job: JobRecord, hooks: LifecycleHooks): Promise<void> {
  for (;;) {
    const at = nextTransitionAt(job);
    if (at === null || hooks.now() < at) return;
    switch (job.state) {
      case 'JOB_STATE_PENDING':
        if (job.failure !== null) {
          end(job, 'JOB_STATE_FAILED', at, hooks);
          return;
        }
        job.state = 'JOB_STATE_RUNNING';
        job.startedAtMs = at;
        job.updatedAtMs = at;
        job.outputDirectory = `${job.params.outputUriPrefix}/prediction-model-${directoryTimestamp(at)}`;
        break;
      case 'JOB_STATE_RUNNING': {
        if (job.faults.expireFraction !== null) {
          await finish(job, 'JOB_STATE_EXPIRED', doneAtExpiry(job), at, hooks);
          return;
        }
        const total = job.plan?.total ?? 0;
        const anyFailed = (job.plan?.failedBefore[total] ?? 0) > 0;
        await finish(
          job,
          anyFailed ? job.options.partialFailureState : 'JOB_STATE_SUCCEEDED',
          total,
          at,
          hooks,
        );
        return;
      }
      case 'JOB_STATE_CANCELLING':
        await finish(job, 'JOB_STATE_CANCELLED', job.doneAtCancel ?? 0, at, hooks);
        return;
      default:
        return;
    }
  }
}

async function finish(job: JobRecord, state: JobState, done: number, atMs: number, hooks: LifecycleHooks) {
  job.writing ??= hooks.writeOutputs(job, done);
  await job.writing;
  if (TERMINAL_STATES.has(job.state)) return;
  end(job, state, atMs, hooks);
}

function end(job: JobRecord, state: JobState, atMs: number, hooks: LifecycleHooks): void {
  job.state = state;
  job.endedAtMs = atMs;
  job.updatedAtMs = atMs;
  hooks.ended(job);
}

/**
 * PENDING/RUNNING → CANCELLING; rows done so far still reach the output. Cancelling again is a no-op; a job that
 * already ended cannot be cancelled (FAILED_PRECONDITION, our reading of the API).
 */
export function cancel(job: JobRecord, nowMs: number, name: string): void {
  if (job.state === 'JOB_STATE_CANCELLING') return;
  if (TERMINAL_STATES.has(job.state)) {
    throw failedPrecondition(
      `Batch prediction job ${name} is in state ${job.state} and cannot be cancelled.`,
    );
  }
  job.doneAtCancel = job.state === 'JOB_STATE_RUNNING' ? doneCount(job, nowMs) : 0;
  job.state = 'JOB_STATE_CANCELLING';
  job.cancellingAtMs = nowMs;
  job.updatedAtMs = nowMs;
}

/** `2026-02-28T08:22:20.427871Z`: the output directory is named after the job's start, to the microsecond. */
function directoryTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}
