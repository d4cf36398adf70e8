import { type ConnectionOptions, type DefaultJobOptions, type JobsOptions, Queue } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { jobIds, QUEUE_NAMES } from './names';
import type { NotifyEvent } from './payloads';

const defaultJobOptions: DefaultJobOptions = {
  // The worker waits out transient trouble (429, 5xx, network, Postgres away) without spending these attempts
  // (apps/worker/src/keep-trying.ts); they bound errors nobody could judge, and the sweeper revives a job that
  // ran out of them (`addOrRevive`).
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

/** A connection to the queues' Redis: one server, or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/** Where the queues live: one Redis (its URL), or a Redis Cluster (some of its nodes' URLs; it tells the rest). */
export type RedisTarget = string | { clusterNodes: string[] };

/** REDIS_CLUSTER_NODES when set (a cluster), REDIS_URL otherwise. */
export function redisTargetOf(env: { REDIS_URL: string; REDIS_CLUSTER_NODES?: string[] }): RedisTarget {
  return env.REDIS_CLUSTER_NODES ? { clusterNodes: env.REDIS_CLUSTER_NODES } : env.REDIS_URL;
}

/**
 * BullMQ blocks on Redis, so commands wait for a reconnect instead of failing (maxRetriesPerRequest null). Errors
 * go to `onError`: without a listener ioredis prints every failed reconnect to stderr.
 */
export function redisConnection(url: string, onError?: (error: Error) => void): Redis;
export function redisConnection(target: RedisTarget, onError?: (error: Error) => void): RedisConnection;
export function redisConnection(
  target: RedisTarget,
  onError: (error: Error) => void = () => {},
): RedisConnection {
  const redis =
    typeof target === 'string'
      ? new Redis(target, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false })
      : clusterConnection(target.clusterNodes);
  redis.on('error', onError);
  return redis;
}

/**
 * The seed nodes by address; the nodes the cluster announces are reached with the first URL's credentials and TLS.
 * Over TLS the seeds keep their host names (no DNS lookup by ioredis), so certificates issued for them verify.
 */
function clusterConnection(urls: string[]): Cluster {
  const [first] = urls;
  if (!first) throw new Error('clusterNodes: at least one node URL');
  const seeds = urls.map((node) => {
    const u = new URL(node);
    return { host: u.hostname, port: Number(u.port || 6379) };
  });
  const auth = new URL(first);
  const tls = auth.protocol === 'rediss:';
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: null,
    username: decodeURIComponent(auth.username) || undefined,
    password: decodeURIComponent(auth.password) || undefined,
    ...(tls ? { tls: {} } : {}),
  };
  return new Cluster(seeds, {
    redisOptions,
    enableReadyCheck: true,
    ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  });
}

/**
 * Whether Redis Cluster would hash a key starting with `prefix` by a hash tag: the text between the first `{` and
 * the next `}`, when not empty. BullMQ's scripts touch several keys of a queue at once, which a cluster allows only
 * within one slot.
 */
export function hasHashTag(prefix: string): boolean {
  return /^[^{]*\{[^}]+\}/.test(prefix);
}

/** What adding work under its stable id did: added it, found it queued already, or revived a failed one. */
export type EnqueueOutcome = 'added' | 'queued' | 'revived';

/**
 * Adds a job under its stable id unless one is there, and revives it when it is there but failed (it ran out of
 * attempts, stalled too often, or its worker lost Redis mid-job): Postgres says the work is still to do, and a failed
 * job under the id would otherwise turn every later add into a no-op, forever. Waiting, active and delayed jobs are
 * left alone. Safe when several sweepers do this at once: the retry is one atomic script that moves the job out of
 * the failed set only if it is still there, so one of them revives it and the others find it queued.
 */
async function addOrRevive(
  queue: Queue,
  name: string,
  data: Record<string, unknown>,
  opts: JobsOptions & { jobId: string },
): Promise<EnqueueOutcome> {
  const state = await queue.getJobState(opts.jobId);
  if (state === 'unknown') {
    // Two adders racing here add it once: BullMQ ignores an add under an id that exists.
    await queue.add(name, data, opts);
    return 'added';
  }
  if (state !== 'failed') return 'queued';
  const job = await queue.getJob(opts.jobId);
  try {
    // Fresh attempts; the data (with any count of waits the worker keeps there) stays as it was.
    await job?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return job ? 'revived' : 'queued';
  } catch {
    // Someone else revived (or removed) it between our two looks: it is queued, or the next sweep adds it.
    return 'queued';
  }
}

/** Promotes the job under `jobId` when it sleeps (delayed), else adds or revives it (`addOrRevive`). */
async function wakeOrAdd(queue: Queue, name: string, data: Record<string, unknown>, jobId: string) {
  const existing = await queue.getJob(jobId);
  if (existing && (await existing.isDelayed())) {
    await existing.promote().catch(() => {});
    return;
  }
  await addOrRevive(queue, name, data, { jobId });
}

export interface TrancheQueues {
  submit: Queue;
  submitBatch: Queue;
  poll: Queue;
  fetch: Queue;
  sweep: Queue;
  notify: Queue;
  all(): Queue[];
  /** These four add the work unless it is queued, and revive it if it is there but failed (`addOrRevive`). */
  enqueueSubmit(jobId: string, round: number, delayMs?: number): Promise<EnqueueOutcome>;
  enqueueSubmitBatch(batchId: string, delayMs?: number): Promise<EnqueueOutcome>;
  enqueuePoll(batchId: string, delayMs?: number): Promise<EnqueueOutcome>;
  enqueueFetch(batchId: string): Promise<EnqueueOutcome>;
  /** Queues one webhook delivery per event; the same event again is a no-op. */
  enqueueNotify(event: NotifyEvent, retry: DeliveryRetry): Promise<void>;
  /** Wakes a sleeping poll job now (after a cancel), or adds one if Redis lost it. */
  pollNow(batchId: string): Promise<void>;
  /** Wakes a planned batch's sleeping submit job now (room in its quota), or adds one if Redis lost it. */
  submitBatchNow(batchId: string): Promise<void>;
  close(): Promise<void>;
}

export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void = () => {},
): TrancheQueues {
  if (connection instanceof Cluster && !hasHashTag(prefix)) {
    throw new Error(
      `queue prefix "${prefix}": on a Redis Cluster it needs a hash tag, e.g. {${prefix}}, so that each queue's ` +
        'keys share a slot (QUEUE_PREFIX)',
    );
  }
  const make = (name: string, jobOptions: DefaultJobOptions = defaultJobOptions) => {
    const queue = new Queue(name, { connection, prefix, defaultJobOptions: jobOptions });
    // Without a listener BullMQ prints every connection error to stderr.
    queue.on('error', onError);
    return queue;
  };
  const submit = make(QUEUE_NAMES.submit);
  const submitBatch = make(QUEUE_NAMES.submitBatch);
  const poll = make(QUEUE_NAMES.poll);
  const fetch = make(QUEUE_NAMES.fetch);
  const sweep = make(QUEUE_NAMES.sweep);
  const notify = make(QUEUE_NAMES.notify, notifyJobOptions);
  return {
    submit,
    submitBatch,
    poll,
    fetch,
    sweep,
    notify,
    all: () => [submit, submitBatch, poll, fetch, sweep, notify],
    enqueueSubmit: (jobId, round, delayMs = 0) =>
      addOrRevive(submit, 'submit-chunks', { jobId }, { jobId: jobIds.submit(jobId, round), delay: delayMs }),
    enqueueSubmitBatch: (batchId, delayMs = 0) =>
      addOrRevive(
        submitBatch,
        'submit-batch',
        { batchId },
        { jobId: jobIds.submitBatch(batchId), delay: delayMs },
      ),
    enqueuePoll: (batchId, delayMs = 0) =>
      addOrRevive(poll, 'poll-batch', { batchId }, { jobId: jobIds.poll(batchId), delay: delayMs }),
    enqueueFetch: (batchId) =>
      addOrRevive(fetch, 'fetch-results', { batchId }, { jobId: jobIds.fetch(batchId) }),
    async enqueueNotify(event, retry) {
      await notify.add(event.kind === 'alert' ? 'deliver-alert' : 'deliver-job-finished', event, {
        jobId: jobIds.notify(event),
        attempts: retry.attempts,
        backoff: { type: 'exponential', delay: retry.backoffMs },
      });
    },
    pollNow: (batchId) => wakeOrAdd(poll, 'poll-batch', { batchId }, jobIds.poll(batchId)),
    submitBatchNow: (batchId) =>
      wakeOrAdd(submitBatch, 'submit-batch', { batchId }, jobIds.submitBatch(batchId)),
    async close() {
      await Promise.all([
        submit.close(),
        submitBatch.close(),
        poll.close(),
        fetch.close(),
        sweep.close(),
        notify.close(),
      ]);
    },
  };
}
