import { type Stage, stageOf } from '../core/batch-engine/batch';
import { progressAt } from '../core/batch-engine/progress';
import { unixSeconds, unixSecondsOrNull } from '../core/clock';
import type { MistralJob } from './job-record';
import type { JobStatus, WireBatchJob } from './types';

const STATUS: Record<Stage, JobStatus> = {
  starting: 'QUEUED',
  running: 'RUNNING',
  // Mistral has no finalizing step.
  finalizing: 'RUNNING',
  cancelling: 'CANCELLATION_REQUESTED',
  completed: 'SUCCESS',
  failed: 'FAILED',
  expired: 'TIMEOUT_EXCEEDED',
  cancelled: 'CANCELLED',
};

export function jobStatus(job: MistralJob): JobStatus {
  return STATUS[stageOf(job)];
}

/**
 * The job as the API returns it: every key the SDK requires, integers for times and counters, `errors` never null.
 * `outputs` is null here; `?inline=true` splices the result lines in (see jobs-routes).
 */
export function renderJob(job: MistralJob, nowMs: number): WireBatchJob {
  const ended = job.phase === 'ended';
  const counts = jobCounts(job, nowMs);
  return {
    id: job.id,
    object: 'batch',
    input_files: job.params.inputFileIds,
    metadata: job.params.metadata,
    endpoint: job.params.endpoint,
    model: job.params.model,
    agent_id: null,
    output_file: ended ? job.outputFileId : null,
    error_file: ended ? job.errorFileId : null,
    errors: job.end === 'failed' ? (job.failure ?? []) : ended ? job.errors : [],
    outputs: null,
    status: jobStatus(job),
    created_at: unixSeconds(job.at.created),
    total_requests: counts.total,
    completed_requests: counts.completed,
    succeeded_requests: counts.succeeded,
    failed_requests: counts.failed,
    // Seen live: a QUEUED job already has `started_at`; we set it once its requests have been read.
    started_at: unixSecondsOrNull(job.planReadyAt),
    completed_at: ended ? unixSecondsOrNull(job.at.ended) : null,
  };
}

interface JobCounts {
  total: number;
  /** Processed, successes and failures alike (seen live: 4 completed = 2 succeeded + 2 failed). */
  completed: number;
  succeeded: number;
  failed: number;
}

/** Requests cut off by a timeout or a cancel are in no count but `total`. */
function jobCounts(job: MistralJob, nowMs: number): JobCounts {
  const progress = progressAt(job, nowMs);
  if (!progress || job.end === 'failed') return { total: 0, completed: 0, succeeded: 0, failed: 0 };
  const { total, done, failed } = progress;
  return { total, completed: done, succeeded: done - failed, failed };
}
