import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Socket, connect as tcpConnect } from 'node:net';
import { createLogger } from '@tranche/config';
import { connect, type Database } from '@tranche/db';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { loadPricer } from '@tranche/pricing';
import { createQueues, redisConnection, type TrancheQueues } from '@tranche/queues';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Authenticator } from '../auth/authenticator';
import { LOCAL_OPERATOR } from '../auth/caller';
import { TrancheService } from '../tranche-service';
import { createApp } from './app';

/**
 * The API's two long streams against a real Postgres and Redis: a results download whose client stops reading, and
 * a job body (NDJSON or JSON) whose client stops sending, must not hold a pooled database connection past their idle
 * timeouts. Connections are counted in pg_stat_activity; the timeouts are short so that the file is quick, and
 * nothing here measures time.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RESULTS_IDLE_MS = 1_500;
const BODY_IDLE_MS = 1_500;
/** Lines of about 1 KB each: 30 MB, far more than the socket buffers between the API and a client that stopped. */
const BIG_JOB_INPUTS = 30_000;

let database: TestDatabase;
let db: Database;
let monitorDb: Database;
let monitor: Database['sql'];
let redis: Redis;
let queues: TrancheQueues;
let prefix: string;
let server: ReturnType<ReturnType<typeof createApp>['listen']>;
let port: number;

beforeAll(async () => {
  database = await createTestDatabase();
  db = connect(database.url, { max: 4 });
  monitorDb = connect(database.url, { max: 1 });
  monitor = monitorDb.sql;
  prefix = `test-streams-${randomBytes(4).toString('hex')}`;
  redis = redisConnection(REDIS_URL);
  queues = createQueues(redis, prefix);
  const service = new TrancheService(
    db.sql,
    queues,
    { pollIntervalS: 300, timeoutH: 30, maxAttempts: 3 },
    loadPricer(undefined),
  );
  const app = createApp({
    service,
    sql: db.sql,
    redis,
    log: createLogger('test', 'silent'),
    auth: new Authenticator(db.sql, []),
    rateLimits: { prefix, submitPerMinute: 0, readsPerMinute: 0 },
    maxBodyBytes: 64 * 1024 * 1024,
    timeouts: { resultsIdleMs: RESULTS_IDLE_MS, bodyIdleMs: BODY_IDLE_MS },
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await queues?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await monitorDb?.close();
  await db?.close();
  await database?.drop();
});

/** Connections of the API's pool doing something (a query, a cursor, a transaction), this one's own left out. */
async function busyConnections(): Promise<number> {
  const [row] = await monitor<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and application_name = 'tranche' and state <> 'idle'
      and pid <> pg_backend_pid()`;
  return row!.n;
}

/** A job whose every input echoes a 1 KB caller id in its result line, made with set-based SQL. */
async function seedBigJob(): Promise<string> {
  const jobId = randomUUID();
  await monitor`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts,
                      poll_interval_s, input_count, timeout_at)
    values (${jobId}, 'running', 'openai', 'gpt-4o-mini', 'chat', '{}', 'streams', 'test', ${`run-${jobId}`}, 3,
            300, ${BIG_JOB_INPUTS}, now() + interval '1 day')`;
  await monitor`
    insert into inputs (job_id, custom_id, seq, caller_id, request, request_bytes, state)
    select ${jobId}, 'c-' || n, n, repeat('x', 1000) || n, '{"prompt": "p"}', 15, 'pending'
    from generate_series(0, ${BIG_JOB_INPUTS - 1}) n`;
  return jobId;
}

/** An HTTP/1.1 exchange on a raw socket, so the test decides when the client reads and when it sends. */
function rawRequest(head: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = tcpConnect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(head);
  return { socket, received: () => data, closed };
}

describe('GET /v1/jobs/:id/results', () => {
  it('cuts off a client that stops reading, and its database connection goes back to the pool', async () => {
    const jobId = await seedBigJob();
    await vi.waitFor(async () => expect(await busyConnections()).toBe(0), { timeout: 30_000, interval: 50 });
    const client = rawRequest(`GET /v1/jobs/${jobId}/results HTTP/1.1\r\nHost: test\r\n\r\n`);
    // Read the head and a little of the body, then stop reading.
    await vi.waitFor(() => expect(client.received().includes('"custom_id"')).toBe(true), {
      timeout: 20_000,
      interval: 5,
    });
    client.socket.pause();
    expect(new RegExp(`\r\nx-result-count: ${BIG_JOB_INPUTS}\r\n`, 'i').test(client.received())).toBe(true);

    // While the client does not read, its cursor holds a connection; the idle timeout gives it back.
    await vi.waitFor(async () => expect(await busyConnections()).toBe(1), { timeout: 20_000, interval: 20 });
    await vi.waitFor(async () => expect(await busyConnections()).toBe(0), { timeout: 30_000, interval: 50 });

    // What the client got, once it reads again: the stream was cut short (no end), and says so by its count.
    client.socket.resume();
    await client.closed;
    const lines = client.received().split('"custom_id"').length - 1;
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThan(BIG_JOB_INPUTS);
    expect(client.received().endsWith('\r\n0\r\n\r\n')).toBe(false);
  });

  it('announces in X-Result-Count one line per input sent, duplicates included, and sends that many', async () => {
    const service = new TrancheService(
      db.sql,
      queues,
      { pollIntervalS: 300, timeoutH: 30, maxAttempts: 3 },
      loadPricer(undefined),
    );
    const inputs = ['a', 'b', 'a', 'c', 'b', 'a'].map((prompt, i) => ({ id: `in-${i}`, prompt }));
    const submitted = await service.submitStream(
      LOCAL_OPERATOR,
      { provider: 'openai', model: 'gpt-4o-mini', metadata: { project: 'streams', owner: 'test' } },
      inputs,
    );
    expect(submitted.duplicates).toBe(3);
    const response = await fetch(`http://127.0.0.1:${port}/v1/jobs/${submitted.job_id}/results`);
    expect(response.headers.get('x-result-count')).toBe('6');
    const lines = (await response.text()).split('\n').filter(Boolean);
    expect(lines).toHaveLength(6);
    expect(lines.map((line) => JSON.parse(line).id)).toEqual(inputs.map((input) => input.id));
  });
});

describe('POST /v1/jobs as NDJSON or JSON', () => {
  it.each(['ndjson', 'json'] as const)(
    'refuses a body (%s) that stops coming with a 408, keeps nothing of it, and lets its connection go',
    async (format) => {
      await vi.waitFor(async () => expect(await busyConnections()).toBe(0), {
        timeout: 30_000,
        interval: 50,
      });
      const project = `stalled-${randomBytes(3).toString('hex')}`;
      const header = JSON.stringify({
        provider: 'openai',
        model: 'gpt-4o-mini',
        metadata: { project, owner: 'test' },
      });
      const inputs = Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: `i-${i}`, prompt: `p ${i}` }));
      const body =
        format === 'ndjson'
          ? `${[header, ...inputs].join('\n')}\n`
          : `${header.slice(0, -1)},"inputs":[${inputs.join(',')},`;
      const type = format === 'ndjson' ? 'application/x-ndjson' : 'application/json';
      // Announces more than it sends: the rest never comes.
      const client = rawRequest(
        `POST /v1/jobs HTTP/1.1\r\nHost: test\r\ncontent-type: ${type}\r\n` +
          `content-length: ${Buffer.byteLength(body) + 100_000}\r\n\r\n${body}`,
      );
      // The job's transaction (its COPY) holds a connection while the body is awaited; the idle timeout ends it.
      await vi.waitFor(async () => expect(await busyConnections()).toBe(1), {
        timeout: 20_000,
        interval: 20,
      });
      await client.closed;
      expect(client.received().slice(0, 13)).toBe('HTTP/1.1 408 ');
      expect(client.received().includes('REQUEST_BODY_IDLE_TIMEOUT_MS')).toBe(true);
      const [jobs] = await monitor<
        { n: number }[]
      >`select count(*)::int as n from jobs where project = ${project}`;
      expect(jobs!.n).toBe(0);
      await vi.waitFor(async () => expect(await busyConnections()).toBe(0), {
        timeout: 30_000,
        interval: 50,
      });
    },
  );
});
