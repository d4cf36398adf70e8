export type JobStatus =
  | 'queued'
  | 'submitting'
  | 'running'
  | 'cancelling'
  | 'completed'
  | 'completed_with_failures'
  | 'failed'
  | 'cancelled'
  | 'timed_out';

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = [
  'completed',
  'completed_with_failures',
  'failed',
  'cancelled',
  'timed_out',
];

/** `awaiting`: in flight in an earlier job of the same run; takes that result (queries/awaiting.ts). */
export type InputState = 'pending' | 'submitted' | 'succeeded' | 'failed' | 'skipped' | 'awaiting';

export type BatchState = 'planned' | 'submitted' | 'ended' | 'fetched';

export interface JobRow {
  id: string;
  status: JobStatus;
  provider: string;
  model: string;
  kind: string;
  spec: Record<string, unknown>;
  project: string;
  owner: string;
  environment: string | null;
  run_id: string;
  tags: Record<string, string>;
  max_attempts: number;
  poll_interval_s: number;
  input_count: number;
  duplicates: number;
  skipped_done: number;
  error: string | null;
  cancel_reason: 'user' | 'timeout' | null;
  /** What keeps the job from moving now, as the last worker that tried saw it (cleared when it moves). */
  blocked_reason: string | null;
  blocked_since: Date | null;
  /** The key that submitted the job, and its name then (null for jobs from before keys were recorded). */
  submitted_by_key_id: string | null;
  submitted_by_name: string | null;
  created_at: Date;
  updated_at: Date;
  timeout_at: Date;
  finished_at: Date | null;
}

export interface BatchRow {
  id: string;
  job_id: string;
  provider: string;
  chunk_key: string;
  round: number;
  state: BatchState;
  provider_status: string | null;
  provider_batch_id: string | null;
  input_file_id: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  request_count: number;
  bytes: number;
  counts: { total: number; completed: number; failed: number } | null;
  outcome: string | null;
  failures: Array<{ code: string; message: string; line?: number | null }> | null;
  submit_attempts: number;
  created_at: Date;
  submitted_at: Date | null;
  status_changed_at: Date | null;
  ended_at: Date | null;
  fetched_at: Date | null;
  cancel_sent_at: Date | null;
  cleaned_at: Date | null;
  /** Adopted after a crash by size alone: not yet proven to be this chunk's batch (see schema.ts). */
  adoption_unverified: boolean;
  /** A worker's claim on sending this planned batch, and whose (see schema.ts). */
  submit_lease_until: Date | null;
  submit_lease_owner: string | null;
  /** The chunk's estimated input tokens (bigint: read it with Number()). */
  estimated_tokens: number | string;
  /** Set while the planned batch waits for room in its provider's quota. */
  waiting_for_quota_since: Date | null;
}

export interface StoredError {
  type: string;
  code: string | null;
  message: string;
  retryable: boolean;
}
