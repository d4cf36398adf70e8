import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { InvalidJobCursorError, type JobListFilter, listJobs } from './job-list';
import { jobTotals } from './job-totals';
import { getJob, reconcile } from './jobs';
import type { InputState, JobStatus } from './types';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 2 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

interface SeedJob {
  project?: string;
  status?: JobStatus;
  provider?: string;
  runId?: string;
  /** Seconds before now, with microseconds: the list orders by the exact time. */
  age?: number;
  /** One input per state; an input with `cost` gets a result of that cost. */
  inputs?: Array<{ state: InputState; cost?: string | null }>;
  duplicates?: number;
  blocked?: string;
}

async function seedJob(seed: SeedJob = {}): Promise<string> {
  const id = randomUUID();
  const inputs = seed.inputs ?? [];
  const duplicates = seed.duplicates ?? 0;
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                      input_count, duplicates, timeout_at, created_at, blocked_reason, blocked_since)
    values (${id}, ${seed.status ?? 'running'}, ${seed.provider ?? 'openai'}, 'gpt-4o-mini', 'chat',
            ${db.sql.json({})}, ${seed.project ?? 'alpha'}, 'tests', ${seed.runId ?? `run-${id.slice(0, 8)}`}, 3, 5,
            ${inputs.length + duplicates}, ${duplicates}, now() + interval '1 day',
            now() - make_interval(secs => ${seed.age ?? 0}), ${seed.blocked ?? null},
            ${seed.blocked ? new Date(Date.now() - 60_000) : null})`;
  for (const [seq, input] of inputs.entries()) {
    const customId = `${id}-${seq}`;
    await db.sql`
      insert into inputs (job_id, custom_id, seq, request, request_bytes, state, last_error)
      values (${id}, ${customId}, ${seq}, ${db.sql.json({})}, 2, ${input.state},
              ${input.state === 'failed' ? db.sql.json({ type: 'invalid_request', code: null, message: 'bad', retryable: false }) : null})`;
    if (input.cost !== undefined)
      await db.sql`
        insert into results (custom_id, job_id, status, cost_usd, sync_cost_usd, price_version, attempts)
        values (${customId}, ${id}, ${input.state === 'failed' ? 'failed' : 'succeeded'}, ${input.cost},
                ${input.cost}, ${input.cost === null ? null : 'test'}, 1)`;
  }
  return id;
}

const ids = (page: { jobs: Array<{ job_id: string }> }) => page.jobs.map((j) => j.job_id);

describe('listJobs', () => {
  it("counts each job's requests and cost exactly as its reconciliation and totals do", async () => {
    const jobId = await seedJob({
      project: 'agree',
      duplicates: 2,
      inputs: [
        { state: 'succeeded', cost: '0.000123456789' },
        { state: 'succeeded', cost: '1.5' },
        { state: 'skipped' },
        { state: 'failed', cost: '0.000000000001' },
        { state: 'failed', cost: null },
        { state: 'pending' },
        { state: 'submitted' },
        { state: 'awaiting' },
      ],
    });
    const { jobs } = await listJobs(db.sql, { scope: ['agree'] });
    const job = (await getJob(db.sql, jobId))!;
    const reconciliation = await reconcile(db.sql, job);
    const { cost } = await jobTotals(db.sql, jobId);
    expect(jobs).toEqual([
      {
        job_id: jobId,
        status: 'running',
        provider: 'openai',
        model: 'gpt-4o-mini',
        kind: 'chat',
        metadata: { project: 'agree', owner: 'tests', run_id: job.run_id },
        inputs: reconciliation.inputs,
        succeeded: reconciliation.succeeded,
        failed: reconciliation.failed,
        pending: reconciliation.pending,
        cost_usd: cost.cost_usd,
        created_at: job.created_at.toISOString(),
        finished_at: null,
        blocked: null,
      },
    ]);
    expect(jobs[0]).toMatchObject({
      inputs: 10,
      succeeded: 3,
      failed: 2,
      pending: 3,
      cost_usd: '1.500123456790',
    });
  });

  it('filters by project, statuses, provider and run id, within the scope only', async () => {
    const a1 = await seedJob({
      project: 'f-a',
      status: 'completed',
      provider: 'openai',
      runId: 'r1',
      age: 30,
    });
    const a2 = await seedJob({
      project: 'f-a',
      status: 'failed',
      provider: 'anthropic',
      runId: 'r2',
      age: 20,
    });
    const b1 = await seedJob({ project: 'f-b', status: 'running', provider: 'openai', runId: 'r1', age: 10 });
    const both = ['f-a', 'f-b'];
    const list = (filter: Omit<JobListFilter, 'scope'>, scope: JobListFilter['scope'] = both) =>
      listJobs(db.sql, { scope, ...filter }).then(ids);

    expect(await list({})).toEqual([b1, a2, a1]);
    expect(await list({ project: 'f-a' })).toEqual([a2, a1]);
    expect(await list({ statuses: ['completed', 'running'] })).toEqual([b1, a1]);
    expect(await list({ provider: 'openai' })).toEqual([b1, a1]);
    expect(await list({ runId: 'r1', project: 'f-b' })).toEqual([b1]);
    expect(await list({ statuses: [] })).toEqual([b1, a2, a1]);
    // Outside the scope, a project's jobs are not there, even asked for by name.
    expect(await list({}, ['f-a'])).toEqual([a2, a1]);
    expect(await list({ project: 'f-b' }, ['f-a'])).toEqual([]);
    expect(await list({}, [])).toEqual([]);
    const everything = await list({ runId: 'r1' }, 'all');
    expect(everything).toEqual(expect.arrayContaining([b1, a1]));
  });

  it('pages newest first with a cursor, every job once, ties at the same instant included', async () => {
    const project = 'paged';
    const seeded: string[] = [];
    for (let i = 0; i < 7; i++) seeded.push(await seedJob({ project, age: 100 - i * 0.000001 }));
    // Three jobs created at the very same microsecond, before the others: the id breaks the tie.
    const tied = await Promise.all([1, 2, 3].map(() => seedJob({ project, age: 50 })));
    await db.sql`update jobs set created_at = ${'2020-01-01 00:00:00.123456+00'} where id = any(${tied})`;
    const tiedOrder = await db.sql<{ id: string }[]>`
      select id from jobs where id = any(${tied}) order by id desc`;
    const expected = [...[...seeded].reverse(), ...tiedOrder.map((r) => r.id)];

    const walked: string[] = [];
    let cursor: string | undefined;
    let later = '';
    let pages = 0;
    do {
      const page = await listJobs(db.sql, { scope: [project], limit: 3, ...(cursor ? { cursor } : {}) });
      walked.push(...ids(page));
      cursor = page.next_cursor ?? undefined;
      pages++;
      // A job arriving meanwhile is newer than every page read: it moves nothing.
      if (pages === 1) later = await seedJob({ project });
    } while (cursor);
    expect(walked).toEqual(expected);
    expect(pages).toBe(4);
    const whole = await listJobs(db.sql, { scope: [project], limit: 10 });
    expect(ids(whole).slice(0, 2)).toEqual([later, expected[0]]);
    expect((await listJobs(db.sql, { scope: [project], limit: 11 })).next_cursor).toBeNull();
  });

  it('keeps the limit within 1..200 and answers 50 by default', async () => {
    for (let i = 0; i < 52; i++) await seedJob({ project: 'many' });
    expect((await listJobs(db.sql, { scope: ['many'] })).jobs).toHaveLength(50);
    expect((await listJobs(db.sql, { scope: ['many'], limit: 0 })).jobs).toHaveLength(1);
    expect((await listJobs(db.sql, { scope: ['many'], limit: 1000 })).jobs).toHaveLength(52);
  });

  it('refuses a cursor it did not make', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'not-a-cursor',
      forged(['yesterday', 'x']),
      forged({ at: 1 }),
      forged(['2026-02-31 10:00:00+00', 'x']),
    ])
      await expect(listJobs(db.sql, { scope: 'all', cursor })).rejects.toBeInstanceOf(InvalidJobCursorError);
  });

  it('shows what blocks a job in flight, and nothing once it finished', async () => {
    const running = await seedJob({ project: 'blocked', blocked: 'openai 503: down', age: 2 });
    const done = await seedJob({
      project: 'blocked',
      status: 'completed',
      blocked: 'openai 503: down',
      age: 1,
    });
    const { jobs } = await listJobs(db.sql, { scope: ['blocked'] });
    const byId = new Map(jobs.map((j) => [j.job_id, j]));
    const since = (await getJob(db.sql, running))!.blocked_since!.toISOString();
    expect(byId.get(running)!.blocked).toEqual({ reason: 'openai 503: down', since });
    expect(byId.get(done)!.blocked).toBeNull();
  });
});
