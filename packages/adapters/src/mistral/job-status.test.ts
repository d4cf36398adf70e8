import type { BatchJob, BatchJobStatus } from '@mistralai/mistralai/models/components';
import { describe, expect, it } from 'vitest';
import { pollResult } from './job-status';

const job = (overrides: Partial<BatchJob>): BatchJob => ({
  id: 'b6a0',
  object: 'batch',
  inputFiles: ['fe33'],
  endpoint: '/v1/chat/completions',
  errors: [],
  status: 'QUEUED',
  createdAt: 1761577900,
  totalRequests: 0,
  completedRequests: 0,
  succeededRequests: 0,
  failedRequests: 0,
  ...overrides,
});

describe('pollResult', () => {
  it.each([
    ['QUEUED', 'validating', undefined],
    ['RUNNING', 'running', undefined],
    ['CANCELLATION_REQUESTED', 'cancelling', undefined],
    ['SUCCESS', 'ended', 'completed'],
    ['FAILED', 'ended', 'failed'],
    ['TIMEOUT_EXCEEDED', 'ended', 'expired'],
    ['CANCELLED', 'ended', 'cancelled'],
    ['SOMETHING_NEW', 'running', undefined],
  ])('maps %s to phase %s, outcome %s', (status, phase, outcome) => {
    expect(pollResult(job({ status: status as BatchJobStatus }))).toMatchObject({
      phase,
      outcome,
      providerStatus: status,
    });
  });

  it('counts successes as completed: completed_requests includes failures (seen live)', () => {
    const poll = pollResult(
      job({
        status: 'SUCCESS',
        totalRequests: 4,
        completedRequests: 4,
        succeededRequests: 2,
        failedRequests: 2,
        outputFile: 'out',
        errorFile: 'err',
        errors: [{ message: 'HTTP Error, status code: 400', count: 2 }],
      }),
    );
    expect(poll).toMatchObject({
      counts: { total: 4, completed: 2, failed: 2 },
      outputFileId: 'out',
      errorFileId: 'err',
      failures: undefined,
    });
  });

  it("turns a FAILED job's errors into failures", () => {
    const poll = pollResult(
      job({
        status: 'FAILED',
        errors: [
          { message: 'Invalid file', count: 3 },
          { message: 'Other', count: 1 },
        ],
      }),
    );
    expect(poll.failures).toEqual([
      { code: 'batch_failed', message: 'Invalid file (×3)', line: null },
      { code: 'batch_failed', message: 'Other', line: null },
    ]);
    expect(poll).toMatchObject({ outputFileId: null, errorFileId: null });
  });
});
