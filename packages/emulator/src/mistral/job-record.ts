import type { BatchFaults } from '../core/faults';
import type { BatchPlan } from '../openai/batch-record';
import type { JobParams } from './job-params';
import type { JobStatus, WireBatchError } from './types';

/** Inline requests and requests without `custom_id` have no id: their result lines carry `custom_id: null`. */
export type JobPlan = BatchPlan<string | null>;

export interface JobRecord {
  seq: number;
  id: string;
  params: JobParams;
  faults: BatchFaults;
  /** Length of each state: `stepMs × slow_factor` at creation. */
  stepMs: number;
  status: JobStatus;
  createdAtMs: number;
  runningAtMs: number | null;
  cancelRequestedAtMs: number | null;
  completedAtMs: number | null;
  /** Where the requests are read from: the input files, or one file holding the inline requests. */
  requestPaths: string[];
  /** Set when the requests have been read: a plan, or why the job fails. */
  plan: JobPlan | null;
  failure: WireBatchError[] | null;
  planReadyAtMs: number | null;
  /** Requests done when cancel was requested; the rest never run. */
  doneAtCancel: number | null;
  /** `errors` of a job that ended with failed requests: one entry per HTTP status. */
  errors: WireBatchError[];
  outputFileId: string | null;
  errorFileId: string | null;
  /** Writing the result files, started once, awaited by every reader. */
  writing: Promise<void> | null;
  unschedule: (() => void) | null;
  /** Dropped by a reset: late work must not register files. */
  discarded: boolean;
}

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  'SUCCESS',
  'FAILED',
  'TIMEOUT_EXCEEDED',
  'CANCELLED',
]);
