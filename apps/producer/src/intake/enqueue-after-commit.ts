import type { Logger } from '@tranche/config';
import type { TrancheQueues } from '@tranche/queues';

/** How long a submit waits for Redis to take the new job's submission before it answers anyway. */
export const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * Queues the submission of a job that is already committed, waiting at most `ENQUEUE_TIMEOUT_MS`: ioredis keeps a
 * command while Redis is down (until it is back), and the caller must not wait for that. A job whose submission is
 * late or lost is still safe in Postgres: the sweeper queues every queued job that has pending inputs.
 */
export async function enqueueAfterCommit(
  queues: Pick<TrancheQueues, 'enqueueSubmit'>,
  jobId: string,
  log?: Logger,
  timeoutMs = ENQUEUE_TIMEOUT_MS,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const queued = queues.enqueueSubmit(jobId, 0);
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([queued.then(() => 'queued' as const), late]);
    if (outcome === 'late') {
      // Still pending in ioredis: it goes out when Redis is back, or fails unseen; the sweeper covers both.
      queued.catch(() => {});
      log?.warn({ jobId, timeoutMs }, 'submission not queued in time: the sweeper will queue it');
    }
  } catch (error) {
    log?.warn(
      { jobId, err: error instanceof Error ? error.message : String(error) },
      'submission not queued: the sweeper will queue it',
    );
  } finally {
    clearTimeout(timer);
  }
}
