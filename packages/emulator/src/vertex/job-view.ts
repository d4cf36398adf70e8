import { type Stage, stageOf } from '../core/batch-engine/batch';
import { progressAt } from '../core/batch-engine/progress';
import { RPC_CODES } from './google-errors';
import type { JobState, VertexJob } from './job-record';
import { int64, timestamp } from './proto-json';
import type { WireBatchPredictionJob, WireCompletionStats } from './wire-types';

const STATE: Record<Exclude<Stage, 'completed'>, JobState> = {
  starting: 'JOB_STATE_PENDING',
  running: 'JOB_STATE_RUNNING',
  // Vertex has no finalizing step.
  finalizing: 'JOB_STATE_RUNNING',
  cancelling: 'JOB_STATE_CANCELLING',
  failed: 'JOB_STATE_FAILED',
  expired: 'JOB_STATE_EXPIRED',
  cancelled: 'JOB_STATE_CANCELLED',
};

/** A job that ran to the end with failed rows ends as the `partial_failure_state` switch says. */
export function jobState(job: VertexJob): JobState {
  const stage = stageOf(job);
  if (stage !== 'completed') return STATE[stage];
  const anyFailed = (job.plan?.failedBefore[job.plan.total] ?? 0) > 0;
  return anyFailed ? job.options.partialFailureState : 'JOB_STATE_SUCCEEDED';
}

export function jobName(job: VertexJob): string {
  return `projects/${job.projectNumber}/locations/${job.location}/batchPredictionJobs/${job.id}`;
}

export function renderJob(job: VertexJob, nowMs: number): WireBatchPredictionJob {
  const { params, at } = job;
  const state = jobState(job);
  const wire: WireBatchPredictionJob = {
    name: jobName(job),
    displayName: params.displayName,
    model: params.model,
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: params.inputUris } },
    outputConfig: {
      predictionsFormat: 'jsonl',
      gcsDestination: { outputUriPrefix: params.outputUriPrefixAsGiven },
    },
    state,
    createTime: timestamp(at.created),
    updateTime: timestamp(at.ended ?? at.cancelling ?? at.running ?? at.created),
  };
  if (params.instanceConfig) wire.instanceConfig = params.instanceConfig;
  if (params.modelParameters) wire.modelParameters = params.modelParameters;
  if (job.outputDirectory) wire.outputInfo = { gcsOutputDirectory: job.outputDirectory };
  if (state === 'JOB_STATE_FAILED') {
    wire.error = {
      code: RPC_CODES.INVALID_ARGUMENT,
      message: job.failure ?? 'The batch prediction job failed.',
    };
  } else if (state === 'JOB_STATE_CANCELLED') {
    wire.error = { code: RPC_CODES.CANCELLED, message: 'CANCELED' };
  }
  const stats = completionStats(job, nowMs);
  if (stats) wire.completionStats = stats;
  if (at.running !== null) wire.startTime = timestamp(at.running);
  if (at.ended !== null) wire.endTime = timestamp(at.ended);
  if (params.labels && Object.keys(params.labels).length > 0) wire.labels = params.labels;
  return wire;
}

/** proto3 JSON: int64 counters as strings, zeros left out; rows never run count as incomplete. */
function completionStats(job: VertexJob, nowMs: number): WireCompletionStats | undefined {
  const progress = progressAt(job, nowMs);
  if (!progress || job.phase === 'starting' || job.end === 'failed') return undefined;
  const { total, done, failed } = progress;
  const stats: WireCompletionStats = {};
  const successful = int64(done - failed);
  const failedCount = int64(failed);
  const incomplete = int64(total - done);
  if (successful) stats.successfulCount = successful;
  if (failedCount) stats.failedCount = failedCount;
  if (incomplete) stats.incompleteCount = incomplete;
  return Object.keys(stats).length > 0 ? stats : undefined;
}
