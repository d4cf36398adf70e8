import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { redisConnection } from '@tranche/queues';
import express, { type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../auth/caller';
import { type RateLimitOptions, rateLimits } from './rate-limits';

/** Per-key limits counted in a real Redis, through real HTTP; each key id is new, so no test sees another's counts. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let prefix: string;
const connections: Redis[] = [];
const servers: Server[] = [];

function redis(url = REDIS_URL): Redis {
  const connection = redisConnection(url);
  connections.push(connection);
  return connection;
}

beforeAll(() => {
  prefix = `test-limits-${randomBytes(4).toString('hex')}`;
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const [first] = connections;
  const keys = first ? await first.keys(`${prefix}:*`) : [];
  if (first && keys.length > 0) await first.del(...keys);
  for (const connection of connections) connection.disconnect();
});

/** Stands for `authenticate`: the caller is the key id the request names. */
const fakeAuthenticate: RequestHandler = (req, res, next) => {
  const caller: Caller = {
    keyId: req.get('x-key-id') ?? 'none',
    name: 'test',
    role: 'member',
    projects: ['a'],
  };
  res.locals.caller = caller;
  next();
};

/**
 * An API process: its own Redis connection and its own limiters, over the given options. The limiters are made
 * while the connection is still on its way, as they are when the API starts: they count once it is ready.
 */
async function apiProcess(options: Partial<RateLimitOptions> = {}): Promise<string> {
  const connection = options.redis ?? redis();
  const limits = rateLimits({ redis: connection, prefix, submitPerMinute: 3, readsPerMinute: 5, ...options });
  if (!options.log) await connection.ping();
  const app = express();
  app.use(fakeAuthenticate);
  app.post('/v1/jobs', limits.submit, (_req, res) => {
    res.status(201).json({ ok: true });
  });
  app.get('/v1/jobs', limits.reads, (_req, res) => {
    res.json({ ok: true });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const submit = (base: string, keyId: string) =>
  fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'x-key-id': keyId } });
const read = (base: string, keyId: string) => fetch(`${base}/v1/jobs`, { headers: { 'x-key-id': keyId } });

async function statuses(requests: Array<() => Promise<Response>>): Promise<number[]> {
  const out: number[] = [];
  for (const request of requests) out.push((await request()).status);
  return out;
}

describe('rate limits per key', () => {
  it('answers the 4th submission of a key in a minute with 429 and Retry-After; another key is still served', async () => {
    const base = await apiProcess();
    const [a, b] = [randomUUID(), randomUUID()];

    expect(await statuses([1, 2, 3].map(() => () => submit(base, a)))).toEqual([201, 201, 201]);
    const refused = await submit(base, a);
    expect(refused.status).toBe(429);
    const retryAfter = refused.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({
      error: { type: 'rate_limited', message: expect.stringContaining('3 submissions a minute') },
    });
    expect(refused.headers.get('ratelimit')).toMatch(/^"submit"; r=0; t=\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toMatch(/^"submit"; q=3; w=60; pk=:.+:$/);

    const other = await submit(base, b);
    expect(other.status).toBe(201);
    expect(other.headers.get('ratelimit')).toMatch(/^"submit"; r=2; t=\d+$/);
    // Reads are counted apart from submissions.
    expect((await read(base, a)).status).toBe(200);
  });

  it('shares the counts between two API processes on one Redis', async () => {
    const [first, second] = [await apiProcess(), await apiProcess()];
    const a = randomUUID();

    expect(await statuses([() => submit(first, a), () => submit(second, a), () => submit(first, a)])).toEqual(
      [201, 201, 201],
    );
    expect((await submit(second, a)).status).toBe(429);
    expect((await submit(first, a)).status).toBe(429);
  });

  it('keeps its counts under the given prefix', async () => {
    const connection = redis();
    const base = await apiProcess({ redis: connection });
    const a = randomUUID();
    await read(base, a);
    expect(await connection.get(`${prefix}:rate-limit:reads:${a}`)).toBe('1');

    // Another prefix (another deployment, another test) counts apart.
    const elsewhere = await apiProcess({ prefix: `${prefix}:other` });
    expect(await statuses([1, 2, 3, 4].map(() => () => submit(base, a)))).toEqual([201, 201, 201, 429]);
    expect((await submit(elsewhere, a)).status).toBe(201);
  });

  it('does nothing for a limit of 0', async () => {
    const connection = redis();
    const limits = rateLimits({ redis: connection, prefix, submitPerMinute: 0, readsPerMinute: 0 });
    const base = await apiProcess({ redis: connection, submitPerMinute: 0, readsPerMinute: 0 });
    const a = randomUUID();

    expect(new Set(await statuses([1, 2, 3, 4, 5].map(() => () => submit(base, a))))).toEqual(new Set([201]));
    const response = await read(base, a);
    expect(response.headers.get('ratelimit')).toBeNull();
    expect(await connection.keys(`${prefix}:rate-limit:*:${a}`)).toEqual([]);
    // The same pass-through for both: no store, no Redis.
    expect(limits.submit).toBe(limits.reads);
  });

  it('counts a request once when it passes through the limiter on two stacks', async () => {
    const connection = redis();
    const limits = rateLimits({ redis: connection, prefix, submitPerMinute: 3, readsPerMinute: 3 });
    await connection.ping();
    const app = express();
    app.use(fakeAuthenticate);
    app.use(
      '/v1',
      limits.reads,
      express.Router().get('/nothing-here', (_req, res) => res.end()),
    );
    app.use(
      '/v1',
      limits.reads,
      express.Router().get('/jobs', (_req, res) => res.json({ ok: true })),
    );
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const a = randomUUID();
    expect(await statuses([1, 2, 3, 4].map(() => () => read(base, a)))).toEqual([200, 200, 200, 429]);
  });

  it('lets requests through, uncounted, when Redis is down, and says so once', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // Nothing listens on port 1: the connection never gets ready.
    const down = redis('redis://127.0.0.1:1');
    const base = await apiProcess({ redis: down, log: pino({ level: 'warn' }, sink) });
    const a = randomUUID();

    expect(await statuses([1, 2, 3, 4, 5, 6].map(() => () => submit(base, a)))).toEqual([
      201, 201, 201, 201, 201, 201,
    ]);
    const warnings = lines.map((line) => JSON.parse(line) as { limiter: string; err: string; msg: string });
    expect(warnings.filter((w) => w.limiter === 'submit' && w.msg.includes('error from store'))).toHaveLength(
      1,
    );
  });
});
