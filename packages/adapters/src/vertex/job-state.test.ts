import type { BatchJob } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { pollResult } from './job-state';

const job = (fields: Record<string, unknown>) => fields as BatchJob;

describe('pollResult', () => {
  it('maps every job state to a phase and outcome', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['JOB_STATE_QUEUED', 'validating', undefined],
      ['JOB_STATE_PENDING', 'validating', undefined],
      ['JOB_STATE_RUNNING', 'running', undefined],
      ['JOB_STATE_UPDATING', 'running', undefined],
      ['JOB_STATE_PAUSED', 'running', undefined],
      ['JOB_STATE_CANCELLING', 'cancelling', undefined],
      ['JOB_STATE_SUCCEEDED', 'ended', 'completed'],
      ['JOB_STATE_PARTIALLY_SUCCEEDED', 'ended', 'completed'],
      ['JOB_STATE_FAILED', 'ended', 'failed'],
      ['JOB_STATE_CANCELLED', 'ended', 'cancelled'],
      ['JOB_STATE_EXPIRED', 'ended', 'expired'],
      ['JOB_STATE_SOMETHING_NEW', 'running', undefined],
    ];
    for (const [state, phase, outcome] of cases) {
      expect(pollResult(job({ state }))).toMatchObject({ phase, outcome, providerStatus: state });
    }
  });

  it('turns int64 string counters into numbers, incomplete rows into the total', () => {
    expect(
      pollResult(job({ state: 'JOB_STATE_SUCCEEDED', completionStats: { successfulCount: '2' } })).counts,
    ).toEqual({
      total: 2,
      completed: 2,
      failed: 0,
    });
    expect(
      pollResult(
        job({
          state: 'JOB_STATE_CANCELLED',
          completionStats: { successfulCount: '5', failedCount: '1', incompleteCount: '4' },
        }),
      ).counts,
    ).toEqual({ total: 10, completed: 5, failed: 1 });
    expect(
      pollResult(job({ state: 'JOB_STATE_RUNNING', completionStats: { incompleteCount: '-1' } })).counts,
    ).toEqual({
      total: 0,
      completed: 0,
      failed: 0,
    });
  });

  it('reports the output directory and why a job failed', () => {
    const dir = 'gs://b/test/prediction-model-2026-02-28T08:22:20.427871Z';
    expect(
      pollResult(job({ state: 'JOB_STATE_SUCCEEDED', outputInfo: { gcsOutputDirectory: dir } })).outputFileId,
    ).toBe(dir);
    expect(
      pollResult(job({ state: 'JOB_STATE_FAILED', error: { code: 3, message: 'Failed to import data.' } }))
        .failures,
    ).toEqual([{ code: 'INVALID_ARGUMENT', message: 'Failed to import data.', line: null }]);
  });
});
