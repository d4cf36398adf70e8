import type { Server } from 'node:http';
import { createLogger } from '@tranche/config';
import { connect, runMigrations } from '@tranche/db';
import { loadPricer } from '@tranche/pricing';
import { createQueues, redisConnection } from '@tranche/queues';
import type { ApiEnv } from './env';
import { createApp } from './http/app';
import { TrancheService } from './tranche-service';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

export async function startApi(env: ApiEnv): Promise<RunningApi> {
  const log = createLogger('tranche-api', env.LOG_LEVEL);
  const pricer = loadPricer(env.PRICES_FILE, (provider, model) =>
    log.warn(
      { provider, model },
      `no price for ${provider} model ${model}: its results are stored with no cost`,
    ),
  );
  await runMigrations(env.DATABASE_URL);
  const db = connect(env.DATABASE_URL, { max: 10 });
  const onRedisError = (error: Error) => log.warn({ err: error.message }, 'redis');
  const redis = redisConnection(env.REDIS_URL, onRedisError);
  const queues = createQueues(redis, env.QUEUE_PREFIX, onRedisError);
  const service = new TrancheService(
    db.sql,
    queues,
    {
      pollIntervalS: env.POLL_INTERVAL_S,
      timeoutH: env.JOB_TIMEOUT_H,
      maxAttempts: env.MAX_ATTEMPTS,
    },
    pricer,
    {
      maxRequests: env.CHUNK_MAX_REQUESTS,
      maxBytes: env.CHUNK_MAX_BYTES,
    },
    {
      limits: {
        maxInputs: env.MAX_INPUTS,
        maxInputBytes: env.MAX_INPUT_BYTES,
        minPollIntervalS: env.MIN_POLL_INTERVAL_S,
      },
      log,
    },
  );
  const app = createApp({
    service,
    sql: db.sql,
    redis,
    log,
    apiKeys: env.API_KEYS,
    metricsToken: env.METRICS_TOKEN,
    maxBodyBytes: env.MAX_BODY_BYTES,
    timeouts: {
      resultsIdleMs: env.RESULTS_STREAM_IDLE_TIMEOUT_MS,
      bodyIdleMs: env.REQUEST_BODY_IDLE_TIMEOUT_MS,
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(env.PORT, env.HOST, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = `http://127.0.0.1:${port}`;
  log.info({ url }, 'api listening');
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await queues.close();
      redis.disconnect();
      await db.close();
    },
  };
}
