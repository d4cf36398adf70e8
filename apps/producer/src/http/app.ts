import type { Logger } from '@tranche/config';
import { type BlockedJobs, blockedJobs, type Sql } from '@tranche/db';
import type { RedisConnection } from '@tranche/queues';
import express, { type Express } from 'express';
import type { Authenticator } from '../auth/authenticator';
import type { TrancheService } from '../tranche-service';
import { BULL_BOARD_PATH, bullBoardRouter } from './admin';
import { apiDocsRouter } from './api-docs';
import { authenticate } from './auth';
import { budgetsRouter } from './budgets-routes';
import { costsRouter, dashboardPageRouter } from './costs-routes';
import { errorHandler } from './errors';
import { jobsRouter, type StreamTimeouts } from './jobs-routes';
import { keysRouter } from './keys-routes';
import { metricsRouter } from './metrics';
import {
  PROVIDER_CALLBACKS_PATH,
  type ProviderCallbackSecrets,
  providerCallbacksRouter,
} from './provider-callbacks-routes';
import { rateLimits } from './rate-limits';

export interface AppDeps {
  service: TrancheService;
  sql: Sql;
  redis: RedisConnection;
  log: Logger;
  /** Who a request's key stands for: admin keys from the environment, project keys from Postgres. */
  auth: Authenticator;
  /** Bearer token for `/metrics` (every project); without it, a key sees its own projects' series. */
  metricsToken?: string;
  /** WEBHOOK_SECRETS_KEY: the API derives a project's new webhook secret from it when an admin rotates one. */
  webhookSecretsKey?: string;
  /** ADMIN_QUEUES_WRITE: Bull Board may change the queues. */
  queuesWritable?: boolean;
  /** Per key and minute, counted in Redis (0: no limit). */
  rateLimits: Omit<Parameters<typeof rateLimits>[0], 'redis' | 'log'>;
  maxBodyBytes: number;
  /** RESULTS_STREAM_IDLE_TIMEOUT_MS and REQUEST_BODY_IDLE_TIMEOUT_MS (their defaults when unset). */
  timeouts?: StreamTimeouts;
  /** OPENAI_WEBHOOK_SECRET, GEMINI_WEBHOOK_SECRET: the providers whose batch callbacks are taken. */
  providerCallbacks?: ProviderCallbackSecrets;
}

const HEALTH_TIMEOUT_MS = 2_000;

/** 'ok', or why not; a dependency that does not answer in time is down (ioredis would queue the ping forever). */
async function check(probe: () => Promise<unknown>): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'down';
  } finally {
    clearTimeout(timer);
  }
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', async (_req, res) => {
    const [postgres, redis] = await Promise.all([
      check(() => deps.sql`select 1`),
      check(() => deps.redis.ping()),
    ]);
    const ok = postgres === 'ok' && redis === 'ok';
    // What keeps jobs from moving (a provider down, a refused key, no worker with a provider's key) does not make
    // this process unhealthy: the status stays 200, and the body says what is blocked. Unknown (null) when
    // Postgres is down or slow.
    const blocked: { found: BlockedJobs | null } = { found: null };
    if (postgres === 'ok') {
      await check(async () => {
        blocked.found = await blockedJobs(deps.sql);
      });
    }
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      postgres,
      redis,
      blocked_jobs: blocked.found?.jobs ?? null,
      blocked: (blocked.found?.reasons ?? []).map((r) => ({
        reason: r.reason,
        jobs: r.jobs,
        since: r.since.toISOString(),
      })),
    });
  });
  app.use(
    BULL_BOARD_PATH,
    bullBoardRouter(deps.service.queues, { auth: deps.auth, writable: deps.queuesWritable ?? false }),
  );
  app.use(
    metricsRouter({
      sql: deps.sql,
      queues: deps.service.queues,
      token: deps.metricsToken,
      auth: deps.auth,
    }),
  );
  // Providers have no Tranche key: their callbacks are authenticated by signature, so they come before the key check.
  app.use(
    PROVIDER_CALLBACKS_PATH,
    providerCallbacksRouter({
      sql: deps.sql,
      queues: deps.service.queues,
      log: deps.log,
      secrets: deps.providerCallbacks ?? {},
      bodyIdleMs: deps.timeouts?.bodyIdleMs,
    }),
  );
  // Every /v1 route knows who is asking; the limits count per key, so they come after.
  const limits = rateLimits({ redis: deps.redis, log: deps.log, ...deps.rateLimits });
  const v1 = express.Router();
  v1.use(authenticate(deps.auth));
  v1.use((req, res, next) =>
    (req.method === 'POST' && /^\/jobs\/?$/.test(req.path) ? limits.submit : limits.reads)(req, res, next),
  );
  v1.use(jobsRouter(deps.service, deps.maxBodyBytes, deps.timeouts));
  v1.use(budgetsRouter(deps.service));
  v1.use(costsRouter(deps.sql));
  v1.use(keysRouter(deps.sql, deps.webhookSecretsKey));
  app.use('/v1', v1);
  app.use('/dashboard', dashboardPageRouter());
  app.use(apiDocsRouter());
  app.use((_req, res) => {
    res.status(404).json({ error: { type: 'not_found', message: 'no such route' } });
  });
  app.use(errorHandler(deps.log));
  return app;
}
