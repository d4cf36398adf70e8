import { unixSeconds, unixSecondsOrNull } from '../core/clock';
import { jobCounts } from './job-progress';
import { type JobRecord, TERMINAL_STATUSES } from './job-record';
import type { WireBatchJob } from './types';

/**
 * The job as the API returns it: every key the SDK requires, integers for times and counters, `errors` never null.
 * `outputs` is null here; `?inline=true` splices the result lines in (see jobs-routes).
 */
export function renderJob(job: JobRecord, nowMs: number): WireBatchJob {
  const terminal = TERMINAL_STATUSES.has(job.status);
  const counts = jobCounts(job, nowMs);
  return {
    id: job.id,
    object: 'batch',
    input_files: job.params.inputFileIds,
    metadata: job.params.metadata,
    endpoint: job.params.endpoint,
    model: job.params.model,
    agent_id: null,
    output_file: terminal ? job.outputFileId : null,
    error_file: terminal ? job.errorFileId : null,
    errors: job.status === 'FAILED' ? (job.failure ?? []) : terminal ? job.errors : [],
    outputs: null,
    status: job.status,
    created_at: unixSeconds(job.createdAtMs),
    total_requests: counts.total,
    completed_requests: counts.completed,
    succeeded_requests: counts.succeeded,
    failed_requests: counts.failed,
    // Seen live: a QUEUED job already has `started_at`; we set it once its requests have been read.
    started_at: unixSecondsOrNull(job.planReadyAtMs),
    completed_at: terminal ? unixSecondsOrNull(job.completedAtMs) : null,
  };
}
