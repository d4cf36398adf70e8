import type { BatchJob } from '@mistralai/mistralai/models/components';
import type { BatchOutcome, BatchPhase, PollResult } from '../types';

const PHASES: Record<string, BatchPhase> = {
  QUEUED: 'validating',
  RUNNING: 'running',
  CANCELLATION_REQUESTED: 'cancelling',
  SUCCESS: 'ended',
  FAILED: 'ended',
  TIMEOUT_EXCEEDED: 'ended',
  CANCELLED: 'ended',
};

const OUTCOMES: Record<string, BatchOutcome> = {
  SUCCESS: 'completed',
  FAILED: 'failed',
  TIMEOUT_EXCEEDED: 'expired',
  CANCELLED: 'cancelled',
};

/** A job as the worker sees it. The SDK's status enum is open: an unknown status reads as still running. */
export function pollResult(job: BatchJob): PollResult {
  const status = String(job.status);
  return {
    phase: PHASES[status] ?? 'running',
    outcome: OUTCOMES[status],
    providerStatus: status,
    counts: {
      total: job.totalRequests,
      // Mistral's `completed_requests` counts failures too (seen live: 4 completed = 2 succeeded + 2 failed).
      completed: job.succeededRequests,
      failed: job.failedRequests,
    },
    outputFileId: job.outputFile ?? null,
    errorFileId: job.errorFile ?? null,
    // `errors` also summarises failed lines of a SUCCESS job; only a FAILED job's errors say why it failed.
    failures:
      status === 'FAILED'
        ? job.errors.map((error) => ({
            code: 'batch_failed',
            message: error.count > 1 ? `${error.message} (×${error.count})` : error.message,
            line: null,
          }))
        : undefined,
  };
}
