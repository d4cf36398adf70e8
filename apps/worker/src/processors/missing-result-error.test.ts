import { describe, expect, it } from 'vitest';
import { missingResultError } from './missing-result-error';

describe('missingResultError', () => {
  it('sends an input of an expired batch again', () => {
    expect(missingResultError('expired')).toEqual({
      type: 'expired',
      code: 'batch_expired',
      message: 'the batch expired before this request ran',
      retryable: true,
    });
  });

  it('does not send an input of a cancelled batch again', () => {
    expect(missingResultError('cancelled')).toEqual({
      type: 'cancelled',
      code: 'batch_cancelled',
      message: 'the batch was cancelled before this request ran',
      retryable: false,
    });
  });

  it.each([
    ['completed', 'completed'],
    ['no outcome', null],
    ['an outcome it does not know', 'archived'],
    ['an outcome named like an Object member', 'toString'],
  ])('sends an input the provider lost again, for %s', (_, outcome) => {
    expect(missingResultError(outcome)).toEqual({
      type: 'unknown',
      code: 'missing_result',
      message: 'the provider returned no result for this request',
      retryable: true,
    });
  });
});
