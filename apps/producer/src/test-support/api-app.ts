import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@tranche/config';
import { connect, type Database } from '@tranche/db';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { loadPricer } from '@tranche/pricing';
import { createQueues, redisConnection, type TrancheQueues } from '@tranche/queues';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { Authenticator } from '../auth/authenticator';
import { type AppDeps, createApp } from '../http/app';
import { TrancheService } from '../tranche-service';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApi {
  url: string;
  app: Express;
  sql: Database['sql'];
  queues: TrancheQueues;
  redis: Redis;
  prefix: string;
  close(): Promise<void>;
}

/**
 * The API's Express app on a real HTTP port, over its own migrated database and its own queue prefix in the real
 * Redis (no worker): for tests of what the routes answer to whom.
 */
export async function startTestApi(
  options: { adminKeys?: string[]; deps?: Partial<AppDeps>; webhookAllowPrivate?: boolean } = {},
): Promise<TestApi> {
  const database: TestDatabase = await createTestDatabase();
  const db = connect(database.url, { max: 4 });
  const prefix = `test-api-${randomBytes(4).toString('hex')}`;
  const redis = redisConnection(REDIS_URL);
  const queues = createQueues(redis, prefix);
  const service = new TrancheService(
    db.sql,
    queues,
    { pollIntervalS: 300, timeoutH: 30, maxAttempts: 3 },
    loadPricer(undefined),
    undefined,
    { webhooks: { allowPrivate: options.webhookAllowPrivate ?? true } },
  );
  const app = createApp({
    service,
    sql: db.sql,
    redis,
    log: createLogger('test', 'silent'),
    auth: new Authenticator(db.sql, options.adminKeys ?? []),
    rateLimits: { prefix, submitPerMinute: 0, readsPerMinute: 0 },
    maxBodyBytes: 1024 * 1024,
    ...options.deps,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    app,
    sql: db.sql,
    queues,
    redis,
    prefix,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await queues.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await db.close();
      await database.drop();
    },
  };
}
