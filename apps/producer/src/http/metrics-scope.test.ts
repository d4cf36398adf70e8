import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Database, insertApiKey, type KeyRole, revokeApiKey } from '@tranche/db';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { createQueues, redisConnection, type TrancheQueues } from '@tranche/queues';
import express from 'express';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../auth/api-key';
import { Authenticator } from '../auth/authenticator';
import { METRICS_PATH, metricsRouter } from './metrics';

/**
 * `/metrics` over a real database and real Redis queues, scraped through HTTP by each kind of caller: the operator's
 * token and an admin key see every project and the queues, a project key its own projects' series and nothing that
 * counts across every project.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_KEY = 'admin-key';
const METRICS_TOKEN = 'metrics-scope-token';

let database: TestDatabase;
let db: Database;
let redis: Redis;
let queues: TrancheQueues;
let prefix: string;
let servers: Server[] = [];
let url: string;
/** The same route with no admin key configured: open mode, where the API serves loopback only. */
let openUrl: string;
const keys: Record<'memberA' | 'emptyViewer' | 'revoked', string> = {
  memberA: '',
  emptyViewer: '',
  revoked: '',
};

async function projectKey(role: KeyRole, projects: string[]): Promise<{ id: string; key: string }> {
  const { key, prefix: keyPrefix, keySha256 } = newApiKey();
  const id = randomUUID();
  await insertApiKey(db.sql, {
    id,
    name: `${role} of ${projects.join(',')}`,
    prefix: keyPrefix,
    keySha256,
    role,
    projects,
  });
  return { id, key };
}

/** A job of the project with one succeeded result, a batch still at the provider and one alert. */
async function seedJob(project: string, status: string, provider: string, alertKind: string, tokens: number) {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts,
                      poll_interval_s, input_count, timeout_at)
    values (${id}, ${status}, ${provider}, ${`${project}-model`}, 'chat', '{}', ${project}, 'tests',
            ${`run-${id.slice(0, 8)}`}, 3, 300, 1, now() + interval '1 day')`;
  await db.sql`
    insert into inputs (job_id, custom_id, seq, request, request_bytes, state)
    values (${id}, ${`${id}-0`}, 0, '{}', 2, 'succeeded')`;
  await db.sql`
    insert into results (custom_id, job_id, status, input_tokens, output_tokens, cached_tokens, cost_usd,
                         sync_cost_usd, price_version, attempts)
    values (${`${id}-0`}, ${id}, 'succeeded', ${tokens}, 10, 0, '0.25', '0.5', 'test', 1)`;
  await db.sql`
    insert into provider_batches (id, job_id, provider, chunk_key, round, state, request_count, bytes, created_at,
                                  submitted_at)
    values (${randomUUID()}, ${id}, ${provider}, ${randomUUID()}, 1, 'submitted', 1, 2,
            now() - interval '2 hours', now() - interval '2 hours')`;
  await db.sql`
    insert into alerts (kind, dedupe_key, project, job_id, message)
    values (${alertKind}, ${`seed:${id}`}, ${project}, ${id}, 'seeded')`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = connect(database.url, { max: 4 });
  prefix = `test-metrics-scope-${randomBytes(4).toString('hex')}`;
  redis = redisConnection(REDIS_URL);
  queues = createQueues(redis, prefix);
  await seedJob('a', 'running', 'openai', 'job_timed_out', 100);
  await seedJob('b', 'completed', 'anthropic', 'batch_stuck', 2000);
  keys.memberA = (await projectKey('member', ['a'])).key;
  keys.emptyViewer = (await projectKey('viewer', [])).key;
  const revoked = await projectKey('member', ['a', 'b']);
  await revokeApiKey(db.sql, revoked.id);
  keys.revoked = revoked.key;
  url = await listen(new Authenticator(db.sql, [ADMIN_KEY]));
  openUrl = await listen(new Authenticator(db.sql, []));
});

async function listen(auth: Authenticator): Promise<string> {
  const app = express();
  app.use(metricsRouter({ sql: db.sql, queues, token: METRICS_TOKEN, auth }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${METRICS_PATH}`;
}

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
  await queues?.close();
  const stored = await redis?.keys(`${prefix}:*`);
  if (stored && stored.length > 0) await redis.del(...stored);
  redis?.disconnect();
  await db?.close();
  await database?.drop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label values here have no escapes). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

async function scrape(key: string | null, from = url): Promise<Sample[]> {
  const response = await fetch(from, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return samples(await response.text());
}

const sampleValue = (all: Sample[], name: string, labels: Record<string, string>) =>
  all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
const projectsIn = (all: Sample[]) => [...new Set(all.flatMap((s) => s.labels.project ?? []))].sort();
const names = (all: Sample[]) => new Set(all.map((s) => s.name));

describe('GET /metrics, by caller', () => {
  it('refuses a missing, unknown or revoked key with a 401 that names the scheme', async () => {
    for (const authorization of [
      null,
      'Bearer nope',
      `Bearer ${keys.revoked}`,
      `Basic ${btoa(`x:${ADMIN_KEY}`)}`,
    ]) {
      const response = await fetch(url, { headers: authorization === null ? {} : { authorization } });
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tranche"');
      expect(await response.json()).toMatchObject({ error: { type: 'unauthorized' } });
    }
  });

  it('shows an admin key every project, the queues and Redis', async () => {
    const all = await scrape(ADMIN_KEY);
    expect(projectsIn(all)).toEqual(['a', 'b']);
    expect(sampleValue(all, 'tranche_tokens_total', { project: 'b', kind: 'input' })).toBe(2000);
    expect(sampleValue(all, 'tranche_jobs', { status: 'running' })).toBe(1);
    expect(sampleValue(all, 'tranche_jobs', { status: 'completed' })).toBe(1);
    expect(sampleValue(all, 'tranche_inputs', { state: 'succeeded' })).toBe(2);
    expect(sampleValue(all, 'tranche_results', { outcome: 'succeeded' })).toBe(2);
    expect(sampleValue(all, 'tranche_alerts_total', { kind: 'batch_stuck' })).toBe(1);
    expect(
      sampleValue(all, 'tranche_oldest_running_batch_age_seconds', { provider: 'anthropic' }),
    ).toBeGreaterThan(7000);
    expect(sampleValue(all, 'tranche_queue_jobs', { queue: 'submit', state: 'waiting' })).toBe(0);
    expect(sampleValue(all, 'tranche_redis_up', {})).toBe(1);
  });

  it('shows METRICS_TOKEN what an admin key sees', async () => {
    const [byToken, byAdmin] = await Promise.all([scrape(METRICS_TOKEN), scrape(ADMIN_KEY)]);
    const series = (all: Sample[]) => all.map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort();
    expect(series(byToken)).toEqual(series(byAdmin));
    expect(projectsIn(byToken)).toEqual(['a', 'b']);
  });

  it("shows a member of a only a's figures, and nothing that counts every project", async () => {
    const mine = await scrape(keys.memberA);
    expect(projectsIn(mine)).toEqual(['a']);
    expect(sampleValue(mine, 'tranche_tokens_total', { project: 'a', kind: 'input' })).toBe(100);
    expect(sampleValue(mine, 'tranche_cost_usd_total', { project: 'a' })).toBe(0.25);
    expect(sampleValue(mine, 'tranche_jobs', { status: 'running' })).toBe(1);
    expect(sampleValue(mine, 'tranche_jobs', { status: 'completed' })).toBe(0);
    expect(sampleValue(mine, 'tranche_inputs', { state: 'succeeded' })).toBe(1);
    expect(sampleValue(mine, 'tranche_results', { outcome: 'succeeded' })).toBe(1);
    expect(sampleValue(mine, 'tranche_alerts_total', { kind: 'job_timed_out' })).toBe(1);
    expect(sampleValue(mine, 'tranche_alerts_total', { kind: 'batch_stuck' })).toBe(0);
    expect(
      sampleValue(mine, 'tranche_oldest_running_batch_age_seconds', { provider: 'openai' }),
    ).toBeGreaterThan(7000);
    expect(sampleValue(mine, 'tranche_oldest_running_batch_age_seconds', { provider: 'anthropic' })).toBe(0);
    expect(mine.some((s) => s.labels.model === 'b-model')).toBe(false);
    expect(names(mine).has('tranche_queue_jobs')).toBe(false);
    expect(names(mine).has('tranche_redis_up')).toBe(false);
  });

  it('shows a key of no project zeros only', async () => {
    const none = await scrape(keys.emptyViewer);
    expect(projectsIn(none)).toEqual([]);
    expect(none.filter((s) => s.value !== 0)).toEqual([]);
    expect(names(none).has('tranche_jobs')).toBe(true);
    expect(names(none).has('tranche_queue_jobs')).toBe(false);
  });

  it('keeps two callers scraping at once apart', async () => {
    const [admin, member, admin2] = await Promise.all([
      scrape(ADMIN_KEY),
      scrape(keys.memberA),
      scrape(ADMIN_KEY),
    ]);
    expect(projectsIn(admin)).toEqual(['a', 'b']);
    expect(projectsIn(member)).toEqual(['a']);
    expect(projectsIn(admin2)).toEqual(['a', 'b']);
    expect(sampleValue(member, 'tranche_jobs', { status: 'completed' })).toBe(0);
  });

  it("takes a request without a key in open mode as the local operator's, and a project key still as its own", async () => {
    expect(projectsIn(await scrape(null, openUrl))).toEqual(['a', 'b']);
    expect(projectsIn(await scrape(keys.memberA, openUrl))).toEqual(['a']);
    expect((await fetch(openUrl, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});
