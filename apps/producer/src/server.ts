import type { Server } from 'node:http';
import { createLogger } from '@tranche/config';
import { connect, runMigrations } from '@tranche/db';
import { loadPricer } from '@tranche/pricing';
import { createQueues, redisConnection, redisTargetOf } from '@tranche/queues';
import { Authenticator } from './auth/authenticator';
import { type ApiEnv, adminKeys } from './env';
import { createApp } from './http/app';
import { TrancheService } from './tranche-service';

export interface RunningApi {
  url: string;
  /** The address it listens on: `127.0.0.1` while no admin key is configured, whatever HOST says. */
  host: string;
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
  const admins = adminKeys(env);
  // No admin key, no way to tell callers apart: whoever reaches the port would be an admin, so only this machine may.
  const host = admins.length > 0 ? env.HOST : '127.0.0.1';
  if (admins.length === 0) {
    log.warn(
      { host },
      'no ADMIN_API_KEYS set: the API takes requests without a key, as an admin, and so listens on 127.0.0.1 only; ' +
        'set ADMIN_API_KEYS (comma-separated, e.g. from openssl rand -hex 32) to serve on HOST with keys',
    );
  }
  await runMigrations(env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL);
  const db = connect(env.DATABASE_URL, { max: 10, poolMode: env.DATABASE_POOL_MODE });
  const onRedisError = (error: Error) => log.warn({ err: error.message }, 'redis');
  const redis = redisConnection(redisTargetOf(env), onRedisError);
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
      webhooks: { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE },
      jobViewRefreshMs: env.JOB_VIEW_REFRESH_MS,
    },
  );
  const app = createApp({
    service,
    sql: db.sql,
    redis,
    log,
    auth: new Authenticator(db.sql, admins),
    metricsToken: env.METRICS_TOKEN,
    webhookSecretsKey: env.WEBHOOK_SECRETS_KEY,
    queuesWritable: env.ADMIN_QUEUES_WRITE,
    rateLimits: {
      prefix: env.QUEUE_PREFIX,
      submitPerMinute: env.RATE_LIMIT_SUBMITS_PER_MIN,
      readsPerMinute: env.RATE_LIMIT_READS_PER_MIN,
    },
    maxBodyBytes: env.MAX_BODY_BYTES,
    timeouts: {
      resultsIdleMs: env.RESULTS_STREAM_IDLE_TIMEOUT_MS,
      bodyIdleMs: env.REQUEST_BODY_IDLE_TIMEOUT_MS,
    },
    providerCallbacks: { openai: env.OPENAI_WEBHOOK_SECRET, gemini: env.GEMINI_WEBHOOK_SECRET },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(env.PORT, host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = `http://127.0.0.1:${port}`;
  log.info({ url }, 'api listening');
  return {
    url,
    host: typeof address === 'object' && address ? address.address : host,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await queues.close();
      redis.disconnect();
      await db.close();
    },
  };
}
