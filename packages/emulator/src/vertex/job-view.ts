import { RPC_CODES } from './google-errors';
import { completionStats } from './job-progress';
import type { JobRecord } from './job-record';
import { timestamp } from './proto-json';
import type { WireBatchPredictionJob } from './wire-types';

export function jobName(job: JobRecord): string {
  return `projects/${job.projectNumber}/locations/${job.location}/batchPredictionJobs/${job.id}`;
}

export function renderJob(job: JobRecord, nowMs: number): WireBatchPredictionJob {
  const { params } = job;
  const wire: WireBatchPredictionJob = {
    name: jobName(job),
    displayName: params.displayName,
    model: params.model,
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: params.inputUris } },
    outputConfig: {
      predictionsFormat: 'jsonl',
      gcsDestination: { outputUriPrefix: params.outputUriPrefixAsGiven },
    },
    state: job.state,
    createTime: timestamp(job.createdAtMs),
    updateTime: timestamp(job.updatedAtMs),
  };
  if (params.instanceConfig) wire.instanceConfig = params.instanceConfig;
  if (params.modelParameters) wire.modelParameters = params.modelParameters;
  if (job.outputDirectory) wire.outputInfo = { gcsOutputDirectory: job.outputDirectory };
  if (job.state === 'JOB_STATE_FAILED') {
    wire.error = {
      code: RPC_CODES.INVALID_ARGUMENT,
      message: job.failure ?? 'The batch prediction job failed.',
    };
  } else if (job.state === 'JOB_STATE_CANCELLED') {
    wire.error = { code: RPC_CODES.CANCELLED, message: 'CANCELED' };
  }
  const stats = completionStats(job, nowMs);
  if (stats) wire.completionStats = stats;
  if (job.startedAtMs !== null) wire.startTime = timestamp(job.startedAtMs);
  if (job.endedAtMs !== null) wire.endTime = timestamp(job.endedAtMs);
  if (params.labels && Object.keys(params.labels).length > 0) wire.labels = params.labels;
  return wire;
}
