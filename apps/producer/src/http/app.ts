import type { Logger } from '@tranche/config';
import { type BlockedJobs, blockedJobs, type Sql } from '@tranche/db';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { TrancheService } from '../tranche-service';
import { BULL_BOARD_PATH, bullBoardRouter } from './admin';
import { bearerAuth } from './auth';
import { budgetsRouter } from './budgets-routes';
import { costsRouter, dashboardPageRouter } from './costs-routes';
import { errorHandler } from './errors';
import { jobsRouter, type StreamTimeouts } from './jobs-routes';
import { metricsRouter } from './metrics';

export interface AppDeps {
  service: TrancheService;
  sql: Sql;
  redis: Redis;
  log: Logger;
  apiKeys?: string[];
  /** Bearer token for `/metrics`; unset, `/metrics` takes the API keys (and is open only when there are none). */
  metricsToken?: string;
  maxBodyBytes: number;
  /** RESULTS_STREAM_IDLE_TIMEOUT_MS and REQUEST_BODY_IDLE_TIMEOUT_MS (their defaults when unset). */
  timeouts?: StreamTimeouts;
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
  app.use(BULL_BOARD_PATH, bullBoardRouter(deps.service.queues));
  app.use(
    metricsRouter({
      sql: deps.sql,
      queues: deps.service.queues,
      token: deps.metricsToken,
      apiKeys: deps.apiKeys,
    }),
  );
  app.use('/v1', bearerAuth(deps.apiKeys), jobsRouter(deps.service, deps.maxBodyBytes, deps.timeouts));
  app.use('/v1', bearerAuth(deps.apiKeys), budgetsRouter(deps.service));
  app.use('/v1', bearerAuth(deps.apiKeys), costsRouter(deps.sql));
  app.use('/dashboard', dashboardPageRouter());
  app.use((_req, res) => {
    res.status(404).json({ error: { type: 'not_found', message: 'no such route' } });
  });
  app.use(errorHandler(deps.log));
  return app;
}
