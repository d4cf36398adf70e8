import { AdapterRegistry } from '@tranche/adapters';
import { createLogger } from '@tranche/config';
import { connect, runMigrations } from '@tranche/db';
import { createQueues, QUEUE_NAMES, redisConnection, redisTargetOf } from '@tranche/queues';
import { type Processor, Worker } from 'bullmq';
import { createPricing, type WorkerContext } from './context';
import type { WorkerEnv } from './env';
import { keepTrying, type PersistentQueue } from './keep-trying';
import { processFetch } from './processors/fetch';
import { processNotify } from './processors/notify';
import { processPoll } from './processors/poll';
import { processSubmit } from './processors/submit';
import { processSubmitBatch } from './processors/submit-batch';
import { processSweep } from './processors/sweep';
import { safeMessage, secretsOf } from './safe-message';

/** Webhook deliveries in flight at once per worker: each mostly waits on the receiver. */
const NOTIFY_CONCURRENCY = 5;

export interface RunningWorker {
  close(): Promise<void>;
}

/**
 * The submit (planning and sending), poll and fetch processors as the worker runs them: each wrapped so that it waits
 * out what it cannot fix (keep-trying.ts) instead of failing work Postgres says is in flight.
 */
export function persistentProcessors(ctx: WorkerContext): Record<PersistentQueue, Processor> {
  return {
    submit: keepTrying(ctx, 'submit', (job, token) => processSubmit(ctx, job, token)),
    submitBatch: keepTrying(ctx, 'submitBatch', (job, token) => processSubmitBatch(ctx, job, token)),
    poll: keepTrying(ctx, 'poll', (job, token) => processPoll(ctx, job, token)),
    fetch: keepTrying(ctx, 'fetch', (job, token) => processFetch(ctx, job, token)),
  };
}

export async function startWorker(env: WorkerEnv): Promise<RunningWorker> {
  const log = createLogger('tranche-worker', env.LOG_LEVEL);
  const pricing = createPricing(env, log);
  await runMigrations(env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL);
  const db = connect(env.DATABASE_URL, { max: 10, poolMode: env.DATABASE_POOL_MODE });
  const onRedisError = (error: Error) => log.warn({ err: error.message }, 'redis');
  const connection = redisConnection(redisTargetOf(env), onRedisError);
  const queues = createQueues(connection, env.QUEUE_PREFIX, onRedisError);
  const ctx: WorkerContext = {
    env,
    sql: db.sql,
    queues,
    adapters: new AdapterRegistry(env),
    log,
    ...pricing,
  };
  const options = {
    connection,
    prefix: env.QUEUE_PREFIX,
    lockDuration: env.QUEUE_LOCK_MS,
    stalledInterval: env.QUEUE_LOCK_MS,
  };
  const processors = persistentProcessors(ctx);
  const workers = [
    new Worker(QUEUE_NAMES.submit, processors.submit, { ...options, concurrency: env.SUBMIT_CONCURRENCY }),
    new Worker(QUEUE_NAMES.submitBatch, processors.submitBatch, {
      ...options,
      concurrency: env.SUBMIT_CONCURRENCY,
    }),
    new Worker(QUEUE_NAMES.poll, processors.poll, { ...options, concurrency: env.POLL_CONCURRENCY }),
    new Worker(QUEUE_NAMES.fetch, processors.fetch, { ...options, concurrency: env.FETCH_CONCURRENCY }),
    new Worker(QUEUE_NAMES.sweep, () => processSweep(ctx), { ...options, concurrency: 1 }),
    new Worker(QUEUE_NAMES.notify, (job) => processNotify(ctx, job), {
      ...options,
      concurrency: NOTIFY_CONCURRENCY,
    }),
  ];
  // A provider's or a library's error text may quote a credential: masked before it is logged.
  const secrets = secretsOf(env);
  for (const worker of workers) {
    worker.on('failed', (job, error) =>
      log.warn(
        {
          queue: worker.name,
          jobId: job?.id,
          attempts: job?.attemptsMade,
          err: safeMessage(error.message, secrets),
        },
        'queue job failed',
      ),
    );
    worker.on('error', (error) =>
      log.error({ queue: worker.name, err: safeMessage(error.message, secrets) }, 'worker error'),
    );
  }
  // Re-asserted on a timer of our own: if Redis loses the scheduler (a flush, a failover without persistence), the
  // next tick puts it back and the sweep re-creates everything else from Postgres.
  const scheduleSweeps = () =>
    queues.sweep
      .upsertJobScheduler('sweeper', { every: env.SWEEP_INTERVAL_S * 1000 }, { name: 'sweep', data: {} })
      .catch((error: Error) => log.warn({ err: error.message }, 'could not schedule the sweeper'));
  await scheduleSweeps();
  const scheduler = setInterval(scheduleSweeps, Math.max(env.SWEEP_INTERVAL_S, 5) * 1000);
  scheduler.unref();
  if (env.ALERT_WEBHOOK_URL && !env.ALERT_WEBHOOK_SECRET) {
    log.warn('ALERT_WEBHOOK_URL is set without ALERT_WEBHOOK_SECRET: alerts are sent unsigned');
  }
  if (!env.WEBHOOK_SECRETS_KEY) {
    log.warn(
      "WEBHOOK_SECRETS_KEY is not set: jobs' webhooks are not sent (they are signed with project secrets)",
    );
  }
  if (env.WEBHOOK_ALLOW_PRIVATE) {
    log.warn(
      "WEBHOOK_ALLOW_PRIVATE is on: jobs' webhooks may reach loopback, private and link-local addresses",
    );
  }
  log.info({ prefix: env.QUEUE_PREFIX }, 'worker started');
  return {
    async close() {
      clearInterval(scheduler);
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      connection.disconnect();
      await db.close();
      log.info('worker stopped');
    },
  };
}
