import type { EngineBatch } from '../core/batch-engine/batch';
import type { S3Object } from '../s3/object-store';
import type { JobParams } from './job-params';
import type { JobPlan } from './job-plan';
import type { BedrockOptions } from './options';

export const STATUSES = [
  'Submitted',
  'Validating',
  'Scheduled',
  'InProgress',
  'Completed',
  'PartiallyCompleted',
  'Failed',
  'Stopping',
  'Stopped',
  'Expired',
] as const;
export type JobStatus = (typeof STATUSES)[number];

/** A batch inference job; its failure is the `message` of a job that failed before running. */
export type BedrockJob = EngineBatch<JobPlan, string> & {
  arn: string;
  region: string;
  params: JobParams;
  /** The switches as they were when the job was created. */
  options: BedrockOptions;
  /** The input objects the URI named when the job was created (read once validation starts). */
  inputs: S3Object[];
  /** Why the input URI names nothing readable, found at create; the job fails at validation with it. */
  inputProblem: string | null;
  /** Hard links to the input bytes, dropped once the job ends. */
  inputLinks: string[];
};
