import type { BatchJob } from '@google/genai';
import { outcomeOfState, phaseOfState, rpcCodeName } from '../gemini-format/job-state';
import type { PollResult } from '../types';

export function isEnded(job: BatchJob): boolean {
  return phaseOfState(job.state ?? '') === 'ended';
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
    phase: phaseOfState(state),
    outcome: outcomeOfState(state),
    providerStatus: state,
    counts: counts(job),
    outputFileId: job.outputInfo?.gcsOutputDirectory ?? null,
    errorFileId: null,
  };
  if (state === 'JOB_STATE_FAILED') {
    result.failures = [
      {
        code: job.error?.code !== undefined ? rpcCodeName(job.error.code) : 'failed',
        message: job.error?.message ?? 'the batch prediction job failed',
        line: null,
      },
    ];
  }
  return result;
}
