import type { StoredError } from '@tranche/db';

/**
 * Why an input of a batch that ended (expired, cancelled or completed, not failed) got no result line: an expired
 * batch ran out of time (sent again), a cancelled one was cancelled on purpose (not sent again), and anything else
 * is the provider losing a line (sent again).
 */
export function missingResultError(outcome: string | null): StoredError {
  switch (outcome) {
    case 'expired':
      return {
        type: 'expired',
        code: 'batch_expired',
        message: 'the batch expired before this request ran',
        retryable: true,
      };
    case 'cancelled':
      return {
        type: 'cancelled',
        code: 'batch_cancelled',
        message: 'the batch was cancelled before this request ran',
        retryable: false,
      };
    default:
      return {
        type: 'unknown',
        code: 'missing_result',
        message: 'the provider returned no result for this request',
        retryable: true,
      };
  }
}
