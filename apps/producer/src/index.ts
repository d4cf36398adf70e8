export { BatchClient, type BatchClientOptions, type SdkJobSpec } from './client';
export { loadApiEnv } from './env';
export { CUSTOM_ID_PATTERN, canonicalJson, deriveCustomId } from './intake/custom-id';
export { type JobSpec, jobSpecSchema } from './intake/job-schema';
export type { SubmitResponse } from './intake/submit-job';
export { type FieldProblem, JobValidationError } from './intake/validation-error';
export type { BatchView, JobView } from './jobs/job-view';
export type { JobResult } from './jobs/result-lines';
export { type RunningApi, startApi } from './server';
