import type { JobState } from './job-record';
import type { Json } from './proto-json';

export interface WireCompletionStats {
  successfulCount?: string;
  failedCount?: string;
  incompleteCount?: string;
}

/** `BatchPredictionJob` in proto3 JSON: unset and zero fields are left out. */
export interface WireBatchPredictionJob {
  name: string;
  displayName: string;
  model: string;
  inputConfig: { instancesFormat: 'jsonl'; gcsSource: { uris: string[] } };
  instanceConfig?: Json;
  modelParameters?: Json;
  outputConfig: { predictionsFormat: 'jsonl'; gcsDestination: { outputUriPrefix: string } };
  outputInfo?: { gcsOutputDirectory: string };
  state: JobState;
  error?: { code: number; message: string };
  completionStats?: WireCompletionStats;
  createTime: string;
  startTime?: string;
  endTime?: string;
  updateTime: string;
  labels?: Record<string, string>;
}

export interface WireJobList {
  batchPredictionJobs?: WireBatchPredictionJob[];
  nextPageToken?: string;
}

/** google.longrunning.Operation, as a delete returns it. */
export interface WireOperation {
  name: string;
  metadata: { '@type': string; genericMetadata: { createTime: string; updateTime: string } };
  done: true;
  response: { '@type': string };
}
