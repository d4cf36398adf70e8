import { randomBytes } from 'node:crypto';
import { ALL_DESCRIPTORS } from '@tranche/adapters';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { startEmulator } from '@tranche/emulator';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { freePort } from './ports';
import { type Managed, startProcess } from './processes';
import { waitFor } from './wait';

/** The flags of `pnpm start:worker` (apps/worker/package.json): the worker runs with a bounded heap. */
const WORKER_NODE_FLAGS = ['--max-old-space-size=256'];

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

export interface StackOptions {
  name: string;
  workers?: number;
  /** Extra environment for the API and the workers. */
  env?: Record<string, string>;
  stepMs?: number;
  seed?: number;
  /** The API and the workers reach Postgres through this port on loopback (a fault test's proxy), not directly. */
  databaseVia?: number;
}

export interface Stack {
  name: string;
  apiUrl: string;
  emulator: Emulator;
  db: TestDatabase;
  sql: postgres.Sql;
  redis: Redis;
  prefix: string;
  env: Record<string, string>;
  workers: Managed[];
  api: Managed;
  startWorker(extraEnv?: Record<string, string>): Managed;
  /** Deletes every Redis key of this stack's queues, as if Redis had been flushed. */
  flushQueues(): Promise<number>;
  stop(): Promise<void>;
}

/** A whole Tranche: its own database, its own queue prefix, the emulator, the API and workers as real processes. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const db = await createTestDatabase();
  const emulator = await startEmulator({ port: 0, stepMs: options.stepMs ?? 100, seed: options.seed ?? 7 });
  const prefix = `test-${options.name}-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseVia ? viaPort(db.url, options.databaseVia) : db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    // Every provider pointed at the emulator.
    ...Object.assign({}, ...ALL_DESCRIPTORS.map((descriptor) => descriptor.env.emulator(emulator.url))),
    POLL_INTERVAL_S: '0.2',
    // The emulator's batches take seconds: polling every 0.2 s is below the API's floor of real deployments.
    MIN_POLL_INTERVAL_S: '0.05',
    SWEEP_INTERVAL_S: '1',
    // Waits after a transient error (a 503, Postgres away) and for a worker with a missing key, kept short here.
    TRANSIENT_RETRY_BASE_MS: '200',
    TRANSIENT_RETRY_MAX_MS: '1000',
    UNCONFIGURED_RETRY_MS: '500',
    QUEUE_LOCK_MS: '5000',
    // A killed worker's chunk is taken over as soon as its queue job is: the lease runs out with the queue's lock.
    SUBMIT_LEASE_MS: '5000',
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    WEBHOOK_SECRETS_KEY: 'e2e-webhook-secrets-key-not-a-real-secret',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Tests poll their jobs far faster than a client should: the limits have tests of their own.
    RATE_LIMIT_SUBMITS_PER_MIN: '0',
    RATE_LIMIT_READS_PER_MIN: '0',
    ...options.env,
  };
  const api = startProcess(`${options.name}-api`, 'apps/producer/src/main.ts', env);
  const workers: Managed[] = [];
  let workerCount = 0;
  const startWorker = (extraEnv: Record<string, string> = {}) => {
    const name = `${options.name}-worker-${workerCount++}`;
    const worker = startProcess(name, 'apps/worker/src/main.ts', { ...env, ...extraEnv }, WORKER_NODE_FLAGS);
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (options.workers ?? 1); i++) startWorker();
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitFor('the API to answer /health', async () => (await fetch(`${apiUrl}/health`)).ok, {
    timeoutMs: 30_000,
  });
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  const redis = new Redis(REDIS_URL);
  const flushQueues = async () => {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  };
  return {
    name: options.name,
    apiUrl,
    emulator,
    db,
    sql,
    redis,
    prefix,
    env,
    workers,
    api,
    startWorker,
    flushQueues,
    async stop() {
      await Promise.all([api.kill(), ...workers.map((w) => w.kill())]);
      await flushQueues();
      redis.disconnect();
      await sql.end();
      await emulator.close();
      await db.drop();
    },
  };
}

/** The same URL through another port on loopback: a fault test's proxy in front of Postgres or Redis. */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}
