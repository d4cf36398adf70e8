import { randomBytes, randomUUID } from 'node:crypto';
import { AdapterRegistry } from '@tranche/adapters';
import { connect, type Sql } from '@tranche/db';
import { createTestDatabase } from '@tranche/db/testing';
import { createQueues, type QueueName, redisConnection, type TrancheQueues } from '@tranche/queues';
import { type Job, Worker } from 'bullmq';
import { createPricing, type WorkerContext } from '../context';
import { loadWorkerEnv } from '../env';
import { type CapturedLogs, captureLogs } from './captured-logs';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue job taken from its queue as a worker takes it: active, and locked under `token`. */
export interface TakenJob {
  job: Job;
  token: string;
}

export interface WorkerHarness {
  /** What the processors get: a database of its own, queues under a prefix of their own, real adapters. */
  ctx: WorkerContext;
  sql: Sql;
  queues: TrancheQueues;
  logs: CapturedLogs;
  /** Takes the next waiting job of the queue, locked; throws if there is none. */
  take(queue: QueueName): Promise<TakenJob>;
  /** Completes a taken job as a worker does when its processor returned (it leaves the queue). */
  complete(taken: TakenJob): Promise<void>;
  /** When a delayed queue job is due (ms since the epoch, as BullMQ scores it), or null when it is not delayed. */
  delayedUntil(queue: QueueName, jobId: string): Promise<number | null>;
  /** Deletes every Redis key of this harness's queues, as if Redis had lost them. */
  deleteQueueKeys(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Everything a processor runs against, for one test file (or one test): a database cloned from the migrated
 * template, the real Redis under a prefix no one else uses, a logger that keeps its lines, the real price table and
 * adapters built from `env` (the worker's variables, as strings, e.g. an emulator's base URLs).
 */
export async function startWorkerHarness(env: Record<string, string> = {}): Promise<WorkerHarness> {
  const database = await createTestDatabase();
  const prefix = `test-worker-${randomBytes(4).toString('hex')}`;
  const workerEnv = loadWorkerEnv({
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const db = connect(database.url, { max: 5 });
  const connection = redisConnection(TEST_REDIS_URL);
  const queues = createQueues(connection, prefix);
  const logs = captureLogs();
  const ctx: WorkerContext = {
    env: workerEnv,
    sql: db.sql,
    queues,
    adapters: new AdapterRegistry(workerEnv),
    log: logs.log,
    ...createPricing(workerEnv, logs.log),
  };
  // Workers without a processor: the test takes each job itself, with a lock token, and hands it to a processor.
  const takers = new Map<QueueName, Worker>();
  const take = async (queue: QueueName): Promise<TakenJob> => {
    let taker = takers.get(queue);
    if (!taker) {
      taker = new Worker(queue, null, { connection, prefix });
      takers.set(queue, taker);
    }
    const token = randomUUID();
    const job = await taker.getNextJob(token, { block: false });
    if (!job) throw new Error(`no waiting job in the ${queue} queue`);
    return { job, token };
  };
  const delayedUntil = async (queue: QueueName, jobId: string) => {
    const named = queues.all().find((q) => q.name === queue)!;
    const score = await connection.zscore(named.toKey('delayed'), jobId);
    // BullMQ keeps a few bits of order under the timestamp: score = due * 0x1000 + n.
    return score === null ? null : Math.floor(Number(score) / 0x1000);
  };
  const deleteQueueKeys = async () => {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await connection.del(...keys);
    } while (cursor !== '0');
    return deleted;
  };
  return {
    ctx,
    sql: db.sql,
    queues,
    logs,
    take,
    complete: async ({ job, token }) => {
      await job.moveToCompleted(undefined, token, false);
    },
    delayedUntil,
    deleteQueueKeys,
    async close() {
      await Promise.all([...takers.values()].map((taker) => taker.close()));
      await queues.close();
      await deleteQueueKeys();
      connection.disconnect();
      await db.close();
      await database.drop();
    },
  };
}
