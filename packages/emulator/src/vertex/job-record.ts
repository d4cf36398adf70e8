import type { EngineBatch } from '../core/batch-engine/batch';
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

/** A batch prediction job; its failure is why it failed before running (bad input, injected fault). */
export type VertexJob = EngineBatch<JobPlan, string> & {
  /** Numeric, as the SDK's `tBatchJobName` requires (the engine's `id`). */
  projectNumber: string;
  location: string;
  params: JobParams;
  /** The switches as they were when the job was created. */
  options: VertexOptions;
  /** `gs://…/prediction-model-<ts>`, fixed when the job starts running. */
  outputDirectory: string | null;
  /** Hard links to the input objects, dropped once the job ends. */
  inputLinks: string[];
};
