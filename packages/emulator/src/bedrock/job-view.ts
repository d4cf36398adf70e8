import { stageOf } from '../core/batch-engine/batch';
import { doneAt, progressAt } from '../core/batch-engine/progress';
import type { BedrockJob, JobStatus } from './job-record';

const HOUR_MS = 3_600_000;

/**
 * Bedrock's ten statuses over the engine's phases: `starting` is `Submitted` for its first half and `Validating`
 * after (the input is read then); `running` is `Scheduled` until the first record is done, then `InProgress`;
 * the `expire` fault ends a job `PartiallyCompleted` when some records ran, `Expired` when none did.
 */
export function jobStatus(job: BedrockJob, now: number): JobStatus {
  const stage = stageOf(job);
  switch (stage) {
    case 'starting':
      return job.planReadyAt === null || now < job.at.created + job.stepMs / 2 ? 'Submitted' : 'Validating';
    case 'running':
      return doneAt(job, now) === 0 ? 'Scheduled' : 'InProgress';
    case 'finalizing':
      return 'InProgress';
    case 'cancelling':
      return 'Stopping';
    case 'completed':
      return 'Completed';
    case 'expired':
      return doneAt(job, now) > 0 ? 'PartiallyCompleted' : 'Expired';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Stopped';
  }
}

export interface WireJob {
  jobArn: string;
  jobName: string;
  modelId: string;
  clientRequestToken?: string;
  roleArn: string;
  status: JobStatus;
  message?: string;
  submitTime: string;
  lastModifiedTime: string;
  endTime?: string;
  inputDataConfig: BedrockJob['params']['inputDataConfig'];
  outputDataConfig: BedrockJob['params']['outputDataConfig'];
  vpcConfig?: { subnetIds: string[]; securityGroupIds: string[] };
  timeoutDurationInHours: number;
  jobExpirationTime: string;
  modelInvocationType: 'InvokeModel';
  totalRecordCount?: number;
  processedRecordCount?: number;
  successRecordCount?: number;
  errorRecordCount?: number;
}

/**
 * Get's answer, and each List summary (the same members, no tags). When AWS starts reporting the record counts is
 * UNCONFIRMED: here they appear once validation is done (`Scheduled` on) and stay on an ended job that had a plan.
 */
export function renderJob(job: BedrockJob, now: number): WireJob {
  const { params, at } = job;
  const status = jobStatus(job, now);
  const wire: WireJob = {
    jobArn: job.arn,
    jobName: params.jobName,
    modelId: params.modelId,
    ...(params.clientRequestToken === null ? {} : { clientRequestToken: params.clientRequestToken }),
    roleArn: params.roleArn,
    status,
    submitTime: iso(at.created),
    lastModifiedTime: iso(lastModified(job, now)),
    inputDataConfig: params.inputDataConfig,
    outputDataConfig: params.outputDataConfig,
    timeoutDurationInHours: params.timeoutDurationInHours,
    // Our reading (UNCONFIRMED): the job times out its timeout after submission.
    jobExpirationTime: iso(at.created + params.timeoutDurationInHours * HOUR_MS),
    modelInvocationType: params.modelInvocationType,
  };
  if (status === 'Failed') wire.message = job.failure ?? 'The batch inference job failed.';
  if (params.vpcConfig) wire.vpcConfig = params.vpcConfig;
  if (at.ended !== null) wire.endTime = iso(at.ended);
  const progress = progressAt(job, now);
  if (progress && status !== 'Submitted' && status !== 'Validating' && status !== 'Failed') {
    wire.totalRecordCount = progress.total;
    wire.processedRecordCount = progress.done;
    wire.successRecordCount = progress.done - progress.failed;
    wire.errorRecordCount = progress.failed;
  }
  return wire;
}

function lastModified(job: BedrockJob, now: number): number {
  const { at } = job;
  if (at.ended !== null) return at.ended;
  if (at.cancelling !== null) return at.cancelling;
  if (at.running !== null) return at.running;
  const validating = at.created + job.stepMs / 2;
  return job.planReadyAt !== null && now >= validating ? validating : at.created;
}

function iso(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}
