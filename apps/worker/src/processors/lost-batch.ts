import { ProviderCallError } from '@tranche/adapters';
import type { BatchRow, StoredError } from '@tranche/db';

/**
 * The provider answered 404 for a batch we recorded as sent (or for its result files): it no longer has it, and
 * asking again cannot bring it back. Any other permanent answer (401/403) may be fixed on our side, so only this
 * one settles the batch. A wrong base URL would also answer 404; the inputs are then sent again within their
 * max_attempts, where the submit's own 404 fails them with the provider's words.
 */
export function isLostBatch(error: unknown): error is ProviderCallError {
  return error instanceof ProviderCallError && error.status === 404;
}

/** Why each unanswered input of a lost batch failed: sent again in a new batch while attempts remain. */
export function lostBatchError(batch: BatchRow): StoredError {
  return {
    type: 'server_error',
    code: 'batch_not_found',
    message: `the provider no longer has batch ${batch.provider_batch_id ?? batch.id} (it answered 404)`,
    retryable: true,
  };
}
