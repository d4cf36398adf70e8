import { chunksWaitingForQuota } from '@tranche/db';
import type { WorkerContext } from '../context';

/** Chunks woken at once when room frees: each looks whether it fits, first in line first; the rest sleep on. */
const WAKE_AT_ONCE = 20;

/**
 * Room in a provider's quota may have freed (one of its batches ended, or a chunk let go of its place): the chunks
 * waiting for it look again now rather than at their next QUOTA_RECHECK_MS. A failure here is only logged: they look
 * again by themselves anyway.
 */
export async function wakeChunksWaitingForQuota(ctx: WorkerContext, provider: string): Promise<void> {
  try {
    for (const batchId of await chunksWaitingForQuota(ctx.sql, provider, WAKE_AT_ONCE)) {
      await ctx.queues.submitBatchNow(batchId);
    }
  } catch (error) {
    ctx.log.warn(
      { provider, err: error instanceof Error ? error.message : String(error) },
      'could not wake the chunks waiting for quota; they look again by themselves',
    );
  }
}
