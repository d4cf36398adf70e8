import { QUEUE_NAMES, redisConnection } from '@tranche/queues';
import { Worker } from 'bullmq';
import type { WorkerContext } from '../context';
import type { PersistentQueue } from '../keep-trying';
import { persistentProcessors } from '../worker';
import { TEST_REDIS_URL } from './harness';

export interface QueueWorkers {
  close(): Promise<void>;
}

/**
 * Works the submit (planning and sending), poll and fetch queues of `ctx` (its queue prefix) as the worker process does, with the same
 * processors and wrapping, until closed: for tests where the work must go on by itself.
 */
export function startQueueWorkers(ctx: WorkerContext): QueueWorkers {
  const connection = redisConnection(TEST_REDIS_URL);
  const processors = persistentProcessors(ctx);
  const queues: PersistentQueue[] = ['submit', 'submitBatch', 'poll', 'fetch'];
  const workers = queues.map(
    (queue) =>
      new Worker(QUEUE_NAMES[queue], processors[queue], { connection, prefix: ctx.env.QUEUE_PREFIX }),
  );
  return {
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      connection.disconnect();
    },
  };
}

/** Asks `probe` until it answers something truthy (returned), or throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
