import { randomBytes } from 'node:crypto';
import { assertSchemaCurrent, runMigrations } from '@tranche/db';
import { TEST_ADMIN_URL } from '@tranche/db/testing';
import { BatchClient } from '@tranche/producer';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { type LocalPgBouncer, startPgBouncer } from '../support/pgbouncer';
import { REDIS_URL, startStack, viaPort } from '../support/stack';

/**
 * Postgres behind PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction): consecutive transactions of one
 * client connection run on whichever server connection is free, so nothing Tranche does may need a session.
 */
const POOL_SIZE = 4;
const INPUTS = 2_500;
let bouncer: LocalPgBouncer;

beforeAll(async () => {
  const upstream = new URL(TEST_ADMIN_URL);
  bouncer = await startPgBouncer('pgbouncer', {
    upstream: { host: upstream.hostname, port: Number(upstream.port || 5432) },
    poolSize: POOL_SIZE,
  });
});
afterAll(async () => {
  await bouncer?.stop();
});

/** Advisory locks anybody holds in a database: none may outlive the work that took it. */
async function advisoryLocks(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`;
  return row?.n ?? -1;
}

describe('Tranche behind PgBouncer in transaction mode', () => {
  it('migrates an empty database through it, two processes at once, and leaves no lock behind', async () => {
    const name = `tranche_pgbouncer_${randomBytes(4).toString('hex')}`;
    const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const direct = new URL(TEST_ADMIN_URL);
    direct.pathname = `/${name}`;
    const sql = postgres(direct.toString(), { max: 1, onnotice: () => {} });
    try {
      const pooled = viaPort(direct.toString(), bouncer.port);
      await Promise.all([runMigrations(pooled), runMigrations(pooled)]);

      await assertSchemaCurrent(sql);
      const [applied] = await sql<{ all: number; distinct: number }[]>`
        select count(*)::int as all, count(distinct created_at)::int as distinct from drizzle.__drizzle_migrations`;
      expect(applied?.all).toBeGreaterThan(0);
      expect(applied?.all).toBe(applied?.distinct);
      expect(await advisoryLocks(sql)).toBe(0);
      expect((await bouncer.stats(name)).transactions).toBeGreaterThan(0);
    } finally {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });

  it('runs a job through the API, two workers and the SDK, which reach Postgres only through it', async () => {
    const stack = await startStack({
      name: 'pgbouncer',
      workers: 2,
      databaseVia: bouncer.port,
      env: { DATABASE_POOL_MODE: 'transaction', CHUNK_MAX_REQUESTS: '1000' },
    });
    try {
      const api = clientFor(stack);
      // Prompts of ~5 KB: each batch's request file is read from Postgres in more than one page of its cursor.
      const job = chatJob(INPUTS, {}, (i) => ({
        id: `doc-${i}`,
        prompt: `Document ${i}: ${'lorem ipsum '.repeat(420)}`,
      }));
      const submitted = await api.submit(job);
      const view = await api.wait(submitted.job_id, waitOptions());
      expect(view.status).toBe('completed');
      expect(view.reconciliation).toMatchObject({
        submitted: INPUTS,
        succeeded: INPUTS,
        failed: 0,
        pending: 0,
      });
      expectReconciled(view.reconciliation);
      expect(view.batches).toHaveLength(3);
      // Read back through a cursor of several pages, which keeps one server connection until its last row.
      const lines = await Array.fromAsync(api.results(submitted.job_id));
      expect(lines.map((line) => line.id)).toEqual(Array.from({ length: INPUTS }, (_, i) => `doc-${i}`));

      // The producer SDK through the pooler too.
      const sdk = new BatchClient({
        databaseUrl: viaPort(stack.db.url, bouncer.port),
        databasePoolMode: 'transaction',
        redisUrl: REDIS_URL,
        queuePrefix: stack.prefix,
        pollIntervalS: 0.2,
      });
      try {
        const small = await sdk.submit(chatJob(3, { metadata: { project: 'e2e', owner: 'sdk' } }));
        const smallView = await sdk.wait(small.job_id, { intervalMs: 250, timeoutMs: 120_000 });
        expect(smallView.reconciliation).toMatchObject({ submitted: 3, succeeded: 3 });
      } finally {
        await sdk.close();
      }

      // Everything went through the pooler: four clients of up to ten connections each shared its few server
      // connections, and no advisory lock was left on one of them.
      expect((await bouncer.stats(stack.db.name)).transactions).toBeGreaterThan(0);
      const [server] = await stack.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name = 'tranche'`;
      expect(server?.n).toBeLessThanOrEqual(POOL_SIZE);
      expect(await advisoryLocks(stack.sql)).toBe(0);
    } finally {
      await stack.stop();
    }
  });
});
