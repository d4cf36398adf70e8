import type { BatchJob } from '@google/genai';
import type { BatchOutcome, BatchPhase, PollResult } from '../types';

const PHASES: Record<string, BatchPhase> = {
  JOB_STATE_QUEUED: 'validating',
  JOB_STATE_PENDING: 'validating',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_UPDATING: 'running',
  JOB_STATE_PAUSED: 'running',
  JOB_STATE_CANCELLING: 'cancelling',
  JOB_STATE_SUCCEEDED: 'ended',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'ended',
  JOB_STATE_FAILED: 'ended',
  JOB_STATE_CANCELLED: 'ended',
  JOB_STATE_EXPIRED: 'ended',
};

// Whether a job with failed rows ends SUCCEEDED (with failedCount) or PARTIALLY_SUCCEEDED is UNCONFIRMED: both
// are a completed batch whose failed rows sit in the output.
const OUTCOMES: Record<string, BatchOutcome> = {
  JOB_STATE_SUCCEEDED: 'completed',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'completed',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_CANCELLED: 'cancelled',
  JOB_STATE_EXPIRED: 'expired',
};

/** google.rpc.Code numbers, as `BatchJob.error.code` carries them. */
const RPC_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

export function isEnded(job: BatchJob): boolean {
  return PHASES[job.state ?? ''] === 'ended';
}

/** completionStats are int64 strings; rows that never ran are `incompleteCount`. */
function counts(job: BatchJob): PollResult['counts'] {
  const stats = job.completionStats ?? {};
  const number = (value: string | undefined) => {
    const parsed = Number(value ?? 0);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
  };
  const completed = number(stats.successfulCount);
  const failed = number(stats.failedCount);
  return { total: completed + failed + number(stats.incompleteCount), completed, failed };
}

export function pollResult(job: BatchJob): PollResult {
  const state = job.state ?? 'JOB_STATE_UNSPECIFIED';
  const result: PollResult = {
    phase: PHASES[state] ?? 'running',
    outcome: OUTCOMES[state],
    providerStatus: state,
    counts: counts(job),
    outputFileId: job.outputInfo?.gcsOutputDirectory ?? null,
    errorFileId: null,
  };
  if (state === 'JOB_STATE_FAILED') {
    result.failures = [
      {
        code:
          job.error?.code !== undefined ? (RPC_NAMES[job.error.code] ?? String(job.error.code)) : 'failed',
        message: job.error?.message ?? 'the batch prediction job failed',
        line: null,
      },
    ];
  }
  return result;
}
