import { describe, expect, it } from 'vitest';
import { pollResult } from './job-status';

const ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcd1234efgh';
const job = (status: string, extra: Record<string, unknown> = {}) => ({
  jobArn: ARN,
  status,
  outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://bkt/tranche/j/c/out/' } },
  ...extra,
});

describe('bedrock job statuses', () => {
  it.each([
    ['Submitted', 'validating', undefined],
    ['Validating', 'validating', undefined],
    ['Scheduled', 'running', undefined],
    ['InProgress', 'running', undefined],
    ['Stopping', 'cancelling', undefined],
    ['Completed', 'ended', 'completed'],
    // Ran out of time after some records: those are in the output, the others expired.
    ['PartiallyCompleted', 'ended', 'expired'],
    ['Expired', 'ended', 'expired'],
    ['Failed', 'ended', 'failed'],
    ['Stopped', 'ended', 'cancelled'],
  ])('%s is %s (%s)', (status, phase, outcome) => {
    expect(pollResult(job(status))).toMatchObject({ phase, outcome, providerStatus: status });
  });

  it('keeps polling through a status the API may add later', () => {
    expect(pollResult(job('Queued'))).toMatchObject({ phase: 'running', outcome: undefined });
  });

  it('names the output folder Bedrock writes to: the output URI, then the job id', () => {
    expect(pollResult(job('Completed')).outputFileId).toBe('s3://bkt/tranche/j/c/out/abcd1234efgh/');
    const noSlash = job('Completed', { outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://bkt/o' } } });
    expect(pollResult(noSlash).outputFileId).toBe('s3://bkt/o/abcd1234efgh/');
  });

  it('reports the record counts when the job gives them, and zeros when it does not', () => {
    expect(pollResult(job('InProgress')).counts).toEqual({ total: 0, completed: 0, failed: 0 });
    const counted = job('InProgress', {
      totalRecordCount: 500,
      processedRecordCount: 120,
      successRecordCount: 118,
      errorRecordCount: 2,
    });
    expect(pollResult(counted).counts).toEqual({ total: 500, completed: 118, failed: 2 });
    // A total without the others, or the others without a total.
    expect(pollResult(job('InProgress', { totalRecordCount: 500 })).counts).toEqual({
      total: 500,
      completed: 0,
      failed: 0,
    });
    expect(pollResult(job('Completed', { successRecordCount: 7, errorRecordCount: 1 })).counts.total).toBe(8);
  });

  it("fails the batch of a Failed job with Bedrock's message", () => {
    const failed = job('Failed', { message: 'The input file is not valid JSONL.' });
    expect(pollResult(failed).failures).toEqual([
      { code: 'Failed', message: 'The input file is not valid JSONL.', line: null },
    ]);
    expect(pollResult(job('Failed')).failures).toEqual([
      { code: 'Failed', message: 'the batch inference job failed', line: null },
    ]);
    expect(pollResult(job('Completed')).failures).toBeUndefined();
  });
});
