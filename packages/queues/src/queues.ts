import { type ConnectionOptions, type DefaultJobOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { jobIds, QUEUE_NAMES } from './names';
import type { NotifyEvent } from './payloads';

const defaultJobOptions: DefaultJobOptions = {
  // Transient provider trouble (429, 5xx, network) retries with backoff; permanent errors throw UnrecoverableError.
  attempts: 8,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * A delivery stays in Redis for a day after it succeeded (a week after it gave up), so adding the same event again
 * meanwhile (two workers, or the sweeper catching up) is a no-op: one delivery per event.
 */
const notifyJobOptions: DefaultJobOptions = {
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export interface DeliveryRetry {
  attempts: number;
  /** First retry after this long, then twice as long each time. */
  backoffMs: number;
}

/**
 * BullMQ blocks on Redis, so commands wait for a reconnect instead of failing (maxRetriesPerRequest null). Errors
 * go to `onError`: without a listener ioredis prints every failed reconnect to stderr.
 */
export function redisConnection(url: string, onError: (error: Error) => void = () => {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  redis.on('error', onError);
  return redis;
}

export interface TrancheQueues {
  submit: Queue;
  poll: Queue;
  fetch: Queue;
  sweep: Queue;
  notify: Queue;
  all(): Queue[];
  enqueueSubmit(jobId: string, round: number, delayMs?: number): Promise<void>;
  enqueuePoll(batchId: string, delayMs?: number): Promise<void>;
  enqueueFetch(batchId: string): Promise<void>;
  /** Queues one webhook delivery per event; the same event again is a no-op. */
  enqueueNotify(event: NotifyEvent, retry: DeliveryRetry): Promise<void>;
  /** Wakes a sleeping poll job now (after a cancel), or adds one if Redis lost it. */
  pollNow(batchId: string): Promise<void>;
  close(): Promise<void>;
}

export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void = () => {},
): TrancheQueues {
  const make = (name: string, jobOptions: DefaultJobOptions = defaultJobOptions) => {
    const queue = new Queue(name, { connection, prefix, defaultJobOptions: jobOptions });
    // Without a listener BullMQ prints every connection error to stderr.
    queue.on('error', onError);
    return queue;
  };
  const submit = make(QUEUE_NAMES.submit);
  const poll = make(QUEUE_NAMES.poll);
  const fetch = make(QUEUE_NAMES.fetch);
  const sweep = make(QUEUE_NAMES.sweep);
  const notify = make(QUEUE_NAMES.notify, notifyJobOptions);
  return {
    submit,
    poll,
    fetch,
    sweep,
    notify,
    all: () => [submit, poll, fetch, sweep, notify],
    async enqueueSubmit(jobId, round, delayMs = 0) {
      await submit.add('submit-chunks', { jobId }, { jobId: jobIds.submit(jobId, round), delay: delayMs });
    },
    async enqueuePoll(batchId, delayMs = 0) {
      await poll.add('poll-batch', { batchId }, { jobId: jobIds.poll(batchId), delay: delayMs });
    },
    async enqueueFetch(batchId) {
      await fetch.add('fetch-results', { batchId }, { jobId: jobIds.fetch(batchId) });
    },
    async enqueueNotify(event, retry) {
      await notify.add(event.kind === 'alert' ? 'deliver-alert' : 'deliver-job-finished', event, {
        jobId: jobIds.notify(event),
        attempts: retry.attempts,
        backoff: { type: 'exponential', delay: retry.backoffMs },
      });
    },
    async pollNow(batchId) {
      const existing = await poll.getJob(jobIds.poll(batchId));
      if (existing && (await existing.isDelayed())) {
        await existing.promote().catch(() => {});
        return;
      }
      if (!existing) await poll.add('poll-batch', { batchId }, { jobId: jobIds.poll(batchId) });
    },
    async close() {
      await Promise.all([submit.close(), poll.close(), fetch.close(), sweep.close(), notify.close()]);
    },
  };
}
