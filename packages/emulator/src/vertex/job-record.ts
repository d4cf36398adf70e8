import type { BatchFaults } from '../core/faults';
import type { JobParams } from './job-params';
import type { JobPlan } from './job-plan';
import type { VertexOptions } from './options';

export type JobState =
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_SUCCEEDED'
  | 'JOB_STATE_PARTIALLY_SUCCEEDED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLING'
  | 'JOB_STATE_CANCELLED'
  | 'JOB_STATE_EXPIRED';

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
]);

export interface JobRecord {
  seq: number;
  /** Numeric, as the SDK's `tBatchJobName` requires. */
  id: string;
  projectNumber: string;
  location: string;
  params: JobParams;
  faults: BatchFaults;
  options: VertexOptions;
  /** Length of each state: `stepMs × slow_factor` at creation. */
  stepMs: number;
  state: JobState;
  createdAtMs: number;
  startedAtMs: number | null;
  cancellingAtMs: number | null;
  endedAtMs: number | null;
  updatedAtMs: number;
  plan: JobPlan | null;
  /** Why the job failed before running (bad input, injected fault). */
  failure: string | null;
  planReadyAtMs: number | null;
  /** Rows done when cancel was called; the rest never run. */
  doneAtCancel: number | null;
  /** `gs://…/prediction-model-<ts>`, fixed when the job starts running. */
  outputDirectory: string | null;
  /** Hard links to the input objects, dropped once the outputs are written. */
  inputLinks: string[];
  /** Writing the outputs, started once, awaited by every reader. */
  writing: Promise<void> | null;
  unschedule: (() => void) | null;
  /** Dropped by a reset or a delete: late work must not write outputs. */
  discarded: boolean;
}
