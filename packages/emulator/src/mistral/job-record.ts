import type { EngineBatch } from '../core/batch-engine/batch';
import type { CompatiblePlan } from '../openai-compatible/request-plan';
import type { JobParams } from './job-params';
import type { WireBatchError } from './types';

/** Inline requests and requests without `custom_id` have no id: their result lines carry `custom_id: null`. */
export type JobPlan = CompatiblePlan<string | null>;

export type MistralJob = EngineBatch<JobPlan, WireBatchError[]> & {
  params: JobParams;
  /** Where the requests are read from: the input files, or one file holding the inline requests. */
  requestPaths: string[];
  /** `errors` of a job that ended with failed requests: one entry per HTTP status. */
  errors: WireBatchError[];
  outputFileId: string | null;
  errorFileId: string | null;
  /**
   * An inline job created under `inline_result_files: outputs_only`: its result files are not registered (no
   * `output_file`, nothing in the file list), and `outputs` reads them from here.
   */
  hiddenResultPaths: string[] | null;
};
