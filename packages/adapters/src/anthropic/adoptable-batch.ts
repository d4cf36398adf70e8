import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { ExistingBatchQuery } from '../types';
import { totalRequests } from './poll-result';

/**
 * Anthropic batches carry no metadata, so a batch created for a chunk before a crash can only be recognised
 * by when it was created and how many requests it holds. Among batches newer than `createdAfter - skewMs`
 * (the list is newest first, so reading stops at the first older one) and not already recorded for another
 * chunk, exactly one must have `requestCount` requests. If two do, neither is adopted: adopting the wrong
 * one would tie this chunk to another chunk's results, while submitting again at worst runs (and bills)
 * the chunk twice, and the duplicate's results are never read.
 *
 * The only such batch may still be someone else's (another worker's, not yet recorded, or one made outside
 * Tranche in the same workspace): the adapter reports it as recognised by `size`, and the worker proves it by
 * its results' custom ids before using, cancelling or deleting any of it, undoing a wrong adoption and sending
 * the chunk itself (apps/worker/src/processors/adoption-check.ts).
 */
export async function adoptableBatch(
  newestFirst: AsyncIterable<MessageBatch>,
  query: Pick<ExistingBatchQuery, 'createdAfter' | 'requestCount' | 'knownBatchIds'>,
  skewMs: number,
): Promise<MessageBatch | null> {
  const since = query.createdAfter.getTime() - skewMs;
  let found: MessageBatch | null = null;
  for await (const batch of newestFirst) {
    if (Date.parse(batch.created_at) < since) break;
    if (query.knownBatchIds.has(batch.id) || totalRequests(batch) !== query.requestCount) continue;
    if (found) return null;
    found = batch;
  }
  return found;
}
