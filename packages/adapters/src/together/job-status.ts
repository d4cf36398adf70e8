import type { BatchOutcome, BatchPhase, PollResult } from '../types';

/** A batch as Together shows it: ISO timestamps, upper-case statuses, a percentage, no request counts. */
export interface TogetherBatch {
  id?: string;
  status?: string;
  input_file_id?: string;
  output_file_id?: string;
  error_file_id?: string;
  /** 0 to 100. */
  progress?: number;
  error?: string;
  created_at?: string;
  completed_at?: string;
  job_deadline?: string;
  model_id?: string;
  endpoint?: string;
}

const PHASES: Record<string, BatchPhase> = {
  VALIDATING: 'validating',
  IN_PROGRESS: 'running',
  COMPLETED: 'ended',
  FAILED: 'ended',
  EXPIRED: 'ended',
  CANCELLED: 'ended',
};

const OUTCOMES: Record<string, BatchOutcome> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  EXPIRED: 'expired',
  CANCELLED: 'cancelled',
};

export function statusOf(batch: TogetherBatch): string {
  return String(batch.status ?? '').toUpperCase();
}

export function isEnded(batch: TogetherBatch): boolean {
  return PHASES[statusOf(batch)] === 'ended';
}

/** Milliseconds from an ISO timestamp (or Unix seconds, should a number ever come); NaN when there is none. */
export function timeMs(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

/**
 * A batch as the worker sees it. Together counts no requests, only a progress percentage: the counts stay at zero
 * (they are informational) and the results say what succeeded. An unknown status reads as still running.
 */
export function pollResult(batch: TogetherBatch): PollResult {
  const status = statusOf(batch);
  return {
    phase: PHASES[status] ?? 'running',
    outcome: OUTCOMES[status],
    providerStatus: status,
    counts: { total: 0, completed: 0, failed: 0 },
    outputFileId: batch.output_file_id || null,
    errorFileId: batch.error_file_id || null,
    failures:
      status === 'FAILED'
        ? [{ code: 'batch_failed', message: batch.error || 'the batch failed' }]
        : undefined,
  };
}
