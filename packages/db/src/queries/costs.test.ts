import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import {
  costSummary,
  dailyCostsByProject,
  runningJobCosts,
  troubledJobCosts,
  unpricedModels,
  utcDayStart,
} from './costs';
import type { ProjectScope } from './scope';
import type { JobStatus } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date();
const ago = (ms: number) => new Date(now.getTime() - ms);

let testDb: TestDatabase;
let db: Database;

interface SeedJob {
  status: JobStatus;
  project: string;
  owner: string;
  environment: string | null;
  provider: string;
  model: string;
  finishedAgo?: number;
  /** Input states; a result is written for each final one, with the matching entry of `results`. */
  inputs: Array<'pending' | 'submitted' | 'succeeded' | 'failed' | 'skipped'>;
  results: Array<{
    ago: number;
    cost: string | null;
    sync: string | null;
    tokens?: [number, number, number];
  }>;
}

async function seedJob(job: SeedJob): Promise<string> {
  const id = randomUUID();
  const sql = db.sql;
  await sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, environment, run_id, max_attempts,
                      poll_interval_s, input_count, timeout_at, created_at, finished_at)
    values (${id}, ${job.status}, ${job.provider}, ${job.model}, 'chat', '{}', ${job.project}, ${job.owner},
            ${job.environment}, ${`run-${id.slice(0, 8)}`}, 3, 300, ${job.inputs.length}, ${ago(-DAY)},
            ${ago(40 * DAY)}, ${job.finishedAgo === undefined ? null : ago(job.finishedAgo)})`;
  let resultIndex = 0;
  for (const [seq, state] of job.inputs.entries()) {
    const customId = `${id}-${seq}`;
    await sql`
      insert into inputs (job_id, custom_id, seq, request, request_bytes, state)
      values (${id}, ${customId}, ${seq}, '{}', 2, ${state})`;
    if (state !== 'succeeded' && state !== 'failed') continue;
    const result = job.results[resultIndex++];
    if (!result) throw new Error('seed: a final input needs a result');
    const [input, output, cached] = result.tokens ?? [1000, 100, 0];
    await sql`
      insert into results (custom_id, job_id, status, input_tokens, output_tokens, cached_tokens, cost_usd,
                           sync_cost_usd, price_version, attempts, created_at)
      values (${customId}, ${id}, ${state}, ${input}, ${output}, ${cached}, ${result.cost}, ${result.sync},
              ${result.cost === null ? null : '2026-11-27'}, 1, ${ago(result.ago)})`;
  }
  return id;
}

let runningId: string;
let failedId: string;
let timedOutId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 2 });
  await seedJob({
    status: 'completed_with_failures',
    project: 'alpha',
    owner: 'ana',
    environment: 'prod',
    provider: 'openai',
    model: 'gpt-5.4-mini',
    finishedAgo: HOUR,
    inputs: ['succeeded', 'failed', 'succeeded'],
    results: [
      { ago: 2 * HOUR, cost: '0.500000000000', sync: '1.000000000000', tokens: [2000, 300, 500] },
      { ago: 3 * DAY, cost: '0.000000000000', sync: '0.000000000000', tokens: [0, 0, 0] },
      { ago: 10 * DAY, cost: '0.250000000001', sync: '0.500000000002' },
    ],
  });
  await seedJob({
    status: 'completed',
    project: 'beta',
    owner: 'bob',
    environment: null,
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    finishedAgo: 5 * DAY,
    inputs: ['succeeded', 'succeeded'],
    results: [
      { ago: 5 * DAY, cost: '0.000000123456', sync: '0.000000246912' },
      { ago: 35 * DAY, cost: '9.000000000000', sync: '18.000000000000' },
    ],
  });
  await seedJob({
    status: 'completed',
    project: 'beta',
    owner: 'bob',
    environment: 'staging',
    provider: 'vertex',
    model: 'gemini-unlisted',
    finishedAgo: HOUR,
    inputs: ['succeeded', 'succeeded'],
    results: [
      { ago: HOUR + 60_000, cost: null, sync: null },
      { ago: 6 * DAY, cost: null, sync: null },
    ],
  });
  runningId = await seedJob({
    status: 'running',
    project: 'alpha',
    owner: 'ana',
    environment: 'prod',
    provider: 'openai',
    model: 'gpt-5.4-mini',
    inputs: ['succeeded', 'skipped', 'failed', 'pending', 'submitted', 'submitted'],
    results: [
      { ago: 30 * 60_000, cost: '0.010000000000', sync: '0.020000000000' },
      { ago: 29 * 60_000, cost: '0.000000000000', sync: '0.000000000000' },
    ],
  });
  failedId = await seedJob({
    status: 'failed',
    project: 'gamma',
    owner: 'cy',
    environment: 'prod',
    provider: 'mistral',
    model: 'mistral-small-latest',
    finishedAgo: 2 * DAY,
    inputs: ['failed'],
    results: [{ ago: 2 * DAY, cost: '0.000000000000', sync: '0.000000000000', tokens: [0, 0, 0] }],
  });
  timedOutId = await seedJob({
    status: 'timed_out',
    project: 'gamma',
    owner: 'cy',
    environment: 'prod',
    provider: 'mistral',
    model: 'mistral-small-latest',
    finishedAgo: 3 * DAY,
    inputs: ['pending'],
    results: [],
  });
  await seedJob({
    status: 'cancelled',
    project: 'gamma',
    owner: 'cy',
    environment: 'prod',
    provider: 'mistral',
    model: 'mistral-small-latest',
    finishedAgo: 20 * DAY,
    inputs: ['pending'],
    results: [],
  });
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

const last = (ms: number, scope: ProjectScope = 'all') => ({ from: ago(ms), to: now, scope });

describe('costSummary', () => {
  it('sums the window into one total group when nothing is grouped', async () => {
    const summary = await costSummary(db.sql, last(DAY));
    expect(summary.window).toEqual({ from: ago(DAY).toISOString(), to: now.toISOString() });
    expect(summary.group_by).toEqual([]);
    expect(summary.totals).toEqual({
      cost_usd: '0.510000000000',
      sync_cost_usd: '1.020000000000',
      savings_usd: '0.510000000000',
      input_tokens: 2000 + 1000 + 1000 + 1000,
      output_tokens: 300 + 100 + 100 + 100,
      cached_tokens: 500,
      results: 4,
      succeeded: 3,
      failed: 1,
      unpriced_results: 1,
    });
    expect(summary.groups).toEqual([summary.totals]);
  });

  it('groups by project, most expensive first, with totals equal to the sum of the groups', async () => {
    const summary = await costSummary(db.sql, { ...last(30 * DAY), groupBy: ['project'] });
    expect(summary.groups.map((g) => [g.project, g.cost_usd, g.sync_cost_usd, g.results])).toEqual([
      ['alpha', '0.760000000001', '1.520000000002', 5],
      ['beta', '0.000000123456', '0.000000246912', 3],
      ['gamma', '0.000000000000', '0.000000000000', 1],
    ]);
    expect(summary.totals).toMatchObject({ cost_usd: '0.760000123457', results: 9, unpriced_results: 2 });
    expect(summary.groups.find((g) => g.project === 'beta')?.unpriced_results).toBe(2);
  });

  it('keeps a missing environment as its own null group', async () => {
    const summary = await costSummary(db.sql, { ...last(30 * DAY), groupBy: ['environment'] });
    expect(summary.groups.map((g) => [g.environment, g.results]).sort()).toEqual([
      [null, 1],
      ['prod', 6],
      ['staging', 2],
    ]);
  });

  it('groups by several keys at once', async () => {
    const summary = await costSummary(db.sql, { ...last(7 * DAY), groupBy: ['provider', 'model', 'owner'] });
    expect(summary.group_by).toEqual(['provider', 'model', 'owner']);
    expect(summary.groups).toContainEqual(
      expect.objectContaining({
        provider: 'vertex',
        model: 'gemini-unlisted',
        owner: 'bob',
        cost_usd: '0.000000000000',
        results: 2,
        unpriced_results: 2,
      }),
    );
    expect(summary.groups.map((g) => Object.keys(g).slice(0, 3))).toContainEqual([
      'provider',
      'model',
      'owner',
    ]);
    expect(summary.totals).not.toHaveProperty('provider');
  });

  it('answers zeros for an empty window, and refuses an unknown key', async () => {
    const empty = { from: ago(100 * DAY), to: ago(90 * DAY) };
    const none = await costSummary(db.sql, { ...empty, scope: 'all' });
    expect(none.totals).toMatchObject({ cost_usd: '0.000000000000', results: 0, unpriced_results: 0 });
    expect(none.groups).toHaveLength(1);
    expect((await costSummary(db.sql, { ...empty, groupBy: ['model'], scope: 'all' })).groups).toEqual([]);
    await expect(
      costSummary(db.sql, { ...empty, groupBy: ['status' as never], scope: 'all' }),
    ).rejects.toThrow(/status/);
  });
});

describe('the dashboard queries', () => {
  it('gives each of the last 30 UTC days per project, zero-filled', async () => {
    const daily = await dailyCostsByProject(db.sql, { now, scope: 'all' });
    expect(daily.days).toHaveLength(30);
    expect(daily.days.at(-1)).toBe(now.toISOString().slice(0, 10));
    expect(daily.window.from).toBe(utcDayStart(now, 29).toISOString());
    expect(daily.projects.map((p) => p.project)).toEqual(['alpha', 'beta', 'gamma']);
    const alpha = daily.projects[0]!;
    expect(alpha.cost_usd).toHaveLength(30);
    const dayOf = (ms: number) => daily.days.indexOf(ago(ms).toISOString().slice(0, 10));
    expect(alpha.cost_usd[dayOf(10 * DAY)]).toBe('0.250000000001');
    expect(alpha.cost_usd.filter((c) => c !== '0.000000000000').length).toBeGreaterThanOrEqual(2);
    const beta = daily.projects[1]!;
    expect(beta.unpriced_results[dayOf(6 * DAY)]).toBe(1);
    expect(beta.cost_usd[dayOf(6 * DAY)]).toBe('0.000000000000');
  });

  it('shows the progress of running jobs as in their reconciliation', async () => {
    const running = await runningJobCosts(db.sql, { scope: 'all' });
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({
      job_id: runningId,
      status: 'running',
      project: 'alpha',
      total: 6,
      done: 3,
      succeeded: 2,
      failed: 1,
      cost_usd: '0.010000000000',
      unpriced_results: 0,
      finished_at: null,
    });
  });

  it('lists failed, timed-out and cancelled jobs since a date, newest first', async () => {
    const troubled = await troubledJobCosts(db.sql, { since: ago(7 * DAY), scope: 'all' });
    expect(troubled.map((j) => [j.job_id, j.status])).toEqual([
      [failedId, 'failed'],
      [timedOutId, 'timed_out'],
    ]);
    expect(troubled[0]).toMatchObject({ total: 1, done: 1, failed: 1 });
    expect(await troubledJobCosts(db.sql, { since: ago(30 * DAY), scope: 'all' })).toHaveLength(3);
  });

  it('lists the models without a price', async () => {
    expect(await unpricedModels(db.sql, last(30 * DAY))).toEqual([
      {
        provider: 'vertex',
        model: 'gemini-unlisted',
        results: 2,
        last_seen: ago(HOUR + 60_000).toISOString(),
      },
    ]);
    expect(await unpricedModels(db.sql, last(HOUR))).toEqual([]);
  });
});

describe('a scope of projects', () => {
  it("sums only the scope's results, from the hourly sums and from the results themselves", async () => {
    // 30 days: beta's results of 5 and 6 days ago come from `result_hours`.
    const month = await costSummary(db.sql, { ...last(30 * DAY, ['alpha', 'gamma']), groupBy: ['project'] });
    expect(month.groups.map((g) => [g.project, g.cost_usd, g.results])).toEqual([
      ['alpha', '0.760000000001', 5],
      ['gamma', '0.000000000000', 1],
    ]);
    expect(month.totals).toMatchObject({ cost_usd: '0.760000000001', results: 6, unpriced_results: 0 });
    // Two minutes around beta's unpriced result of an hour ago: no whole hour inside, everything from `results`.
    const minutes = { from: ago(HOUR + 120_000), to: ago(HOUR) };
    expect((await costSummary(db.sql, { ...minutes, scope: 'all' })).totals.results).toBe(1);
    expect((await costSummary(db.sql, { ...minutes, scope: ['beta'] })).totals.results).toBe(1);
    expect((await costSummary(db.sql, { ...minutes, scope: ['alpha'] })).totals.results).toBe(0);
  });

  it('keeps the dashboard queries to the scope', async () => {
    const daily = await dailyCostsByProject(db.sql, { now, scope: ['beta'] });
    expect(daily.projects.map((p) => p.project)).toEqual(['beta']);
    expect((await runningJobCosts(db.sql, { scope: ['alpha'] })).map((j) => j.job_id)).toEqual([runningId]);
    expect(await runningJobCosts(db.sql, { scope: ['beta', 'gamma'] })).toEqual([]);
    expect(await troubledJobCosts(db.sql, { since: ago(30 * DAY), scope: ['alpha', 'beta'] })).toEqual([]);
    expect(await troubledJobCosts(db.sql, { since: ago(30 * DAY), scope: ['gamma'] })).toHaveLength(3);
    expect(await unpricedModels(db.sql, last(30 * DAY, ['alpha', 'gamma']))).toEqual([]);
    expect((await unpricedModels(db.sql, last(30 * DAY, ['beta']))).map((m) => m.model)).toEqual([
      'gemini-unlisted',
    ]);
  });

  it('matches nothing with an empty list, or with a project that has no jobs', async () => {
    for (const scope of [[], ['nobody']]) {
      const summary = await costSummary(db.sql, { ...last(30 * DAY, scope), groupBy: ['project'] });
      expect(summary.groups).toEqual([]);
      expect(summary.totals).toMatchObject({ cost_usd: '0.000000000000', results: 0, unpriced_results: 0 });
      expect((await costSummary(db.sql, last(30 * DAY, scope))).groups).toEqual([summary.totals]);
      const daily = await dailyCostsByProject(db.sql, { now, scope });
      expect(daily.days).toHaveLength(30);
      expect(daily.projects).toEqual([]);
      expect(await runningJobCosts(db.sql, { scope })).toEqual([]);
      expect(await troubledJobCosts(db.sql, { since: ago(30 * DAY), scope })).toEqual([]);
      expect(await unpricedModels(db.sql, last(30 * DAY, scope))).toEqual([]);
    }
  });
});
