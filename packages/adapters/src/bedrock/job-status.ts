import type { GetModelInvocationJobCommandOutput } from '@aws-sdk/client-bedrock';
import type { BatchOutcome, BatchPhase, PollResult } from '../types';
import { jobOutputFolder } from './naming';

/** What a poll reads of a job; `status` as any string, since the API may add statuses. */
type Job = Pick<
  GetModelInvocationJobCommandOutput,
  'jobArn' | 'message' | 'outputDataConfig' | 'totalRecordCount' | 'successRecordCount' | 'errorRecordCount'
> & { status?: string | undefined };

/**
 * Bedrock's ten job statuses as our phases. `Scheduled` has passed validation and waits in the queue: running, with
 * nothing done yet. `PartiallyCompleted` ran out of time with some records processed: its output holds them and the
 * rest expired (sent again). `Expired` never started before its timeout. `Stopped` was stopped on request; what it
 * processed before is billed, and whatever output it wrote is read.
 */
const STATUSES: Record<string, { phase: BatchPhase; outcome?: BatchOutcome }> = {
  Submitted: { phase: 'validating' },
  Validating: { phase: 'validating' },
  Scheduled: { phase: 'running' },
  InProgress: { phase: 'running' },
  Stopping: { phase: 'cancelling' },
  Completed: { phase: 'ended', outcome: 'completed' },
  PartiallyCompleted: { phase: 'ended', outcome: 'expired' },
  Expired: { phase: 'ended', outcome: 'expired' },
  Failed: { phase: 'ended', outcome: 'failed' },
  Stopped: { phase: 'ended', outcome: 'cancelled' },
};

export function isEnded(job: Pick<Job, 'status'>): boolean {
  return STATUSES[job.status ?? '']?.phase === 'ended';
}

/** The record counts, each optional in the API (newer members; a job may not report them until it runs). */
function counts(job: Job): PollResult['counts'] {
  const count = (value: number | undefined) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
  const completed = count(job.successRecordCount);
  const failed = count(job.errorRecordCount);
  return { total: Math.max(count(job.totalRecordCount), completed + failed), completed, failed };
}

export function pollResult(job: Job): PollResult {
  const status = job.status ?? 'unknown';
  // A status the API adds later is not an end: polling goes on until one we know.
  const { phase, outcome } = STATUSES[status] ?? { phase: 'running' as const };
  const outputUri = job.outputDataConfig?.s3OutputDataConfig?.s3Uri;
  const result: PollResult = {
    phase,
    outcome,
    providerStatus: status,
    counts: counts(job),
    outputFileId: outputUri && job.jobArn ? jobOutputFolder(outputUri, job.jobArn) : null,
    errorFileId: null,
  };
  if (status === 'Failed') {
    result.failures = [
      { code: 'Failed', message: job.message || 'the batch inference job failed', line: null },
    ];
  }
  return result;
}
