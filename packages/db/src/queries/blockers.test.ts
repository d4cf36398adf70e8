import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { blockedJobs, clearJobBlocker, setJobBlocker } from './blockers';
import { getJob } from './jobs';

// Each test reads every job of its database: a database of its own per test.
let testDb: TestDatabase;
let db: Database;

beforeEach(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 2 });
});
afterEach(async () => {
  await db?.close();
  await testDb?.drop();
});

async function seedJob(status = 'running'): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                      input_count, timeout_at)
    values (${id}, ${status}, 'openai', 'gpt-4o-mini', 'chat', ${db.sql.json({})}, 'blockers', 'tests',
            ${`run-${id.slice(0, 8)}`}, 3, 5, 1, now() + interval '1 day')`;
  return id;
}

async function seedBatch(jobId: string): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into provider_batches (id, job_id, provider, chunk_key, round, state, request_count, bytes)
    values (${id}, ${jobId}, 'openai', ${`chunk-${id}`}, 0, 'submitted', 1, 10)`;
  return id;
}

/** Moves the job's blocked_since into the past, as if it had been blocked for a while. */
async function blockedFor(jobId: string, seconds: number) {
  await db.sql`
    update jobs set blocked_since = now() - make_interval(secs => ${seconds}) where id = ${jobId}`;
}

describe('setJobBlocker', () => {
  it('records the latest reason and keeps the time the job was first blocked', async () => {
    const jobId = await seedJob();
    await setJobBlocker(db.sql, { jobId }, 'polling a batch: openai 503: down');
    await blockedFor(jobId, 120);
    const first = (await getJob(db.sql, jobId))?.blocked_since;

    await setJobBlocker(db.sql, { jobId }, 'polling a batch: openai 502: bad gateway');

    expect(await getJob(db.sql, jobId)).toMatchObject({
      blocked_reason: 'polling a batch: openai 502: bad gateway',
      blocked_since: first,
    });
  });

  it("blocks a batch's job when given the batch", async () => {
    const jobId = await seedJob();
    const other = await seedJob();
    const batchId = await seedBatch(jobId);

    await setJobBlocker(db.sql, { batchId }, 'fetching results: openai 503: down');

    expect((await getJob(db.sql, jobId))?.blocked_reason).toBe('fetching results: openai 503: down');
    expect((await getJob(db.sql, other))?.blocked_reason).toBeNull();
  });

  it('leaves a finished job alone', async () => {
    const jobId = await seedJob('completed');

    await setJobBlocker(db.sql, { jobId }, 'late news');

    expect(await getJob(db.sql, jobId)).toMatchObject({ blocked_reason: null, blocked_since: null });
  });
});

describe('clearJobBlocker', () => {
  it('clears the reason and the time, by job or by one of its batches', async () => {
    const byJob = await seedJob();
    const byBatch = await seedJob();
    const batchId = await seedBatch(byBatch);
    await setJobBlocker(db.sql, { jobId: byJob }, 'x');
    await setJobBlocker(db.sql, { jobId: byBatch }, 'y');

    await clearJobBlocker(db.sql, { jobId: byJob });
    await clearJobBlocker(db.sql, { batchId });

    for (const id of [byJob, byBatch]) {
      expect(await getJob(db.sql, id)).toMatchObject({ blocked_reason: null, blocked_since: null });
    }
  });

  it('writes nothing for a job that is not blocked', async () => {
    const jobId = await seedJob();
    // xmin is the transaction that last wrote the row: an update, even to the same values, changes it.
    const version = async () =>
      (await db.sql<{ xmin: string }[]>`select xmin::text from jobs where id = ${jobId}`)[0]?.xmin;
    const before = await version();

    await clearJobBlocker(db.sql, { jobId });

    expect(await version()).toBe(before);
  });
});

describe('blockedJobs', () => {
  it('counts the jobs in flight that something blocks, by reason, the longest-blocked first', async () => {
    const outage = 'polling a batch: openai 503: down';
    const noKey = 'sending a batch: provider mistral is not configured: set MISTRAL_API_KEY';
    const [a, b, c] = [await seedJob(), await seedJob(), await seedJob('queued')];
    await setJobBlocker(db.sql, { jobId: a }, outage);
    await setJobBlocker(db.sql, { jobId: b }, outage);
    await setJobBlocker(db.sql, { jobId: c }, noKey);
    await blockedFor(a, 60);
    await blockedFor(b, 30);
    await blockedFor(c, 600);
    // Not counted: a job that is not blocked, and a finished one that kept its last blocker.
    await seedJob();
    const finished = await seedJob();
    await setJobBlocker(db.sql, { jobId: finished }, outage);
    await db.sql`update jobs set status = 'completed' where id = ${finished}`;

    const blocked = await blockedJobs(db.sql);

    expect(blocked.jobs).toBe(3);
    expect(blocked.reasons.map((r) => [r.reason, r.jobs])).toEqual([
      [noKey, 1],
      [outage, 2],
    ]);
    expect(blocked.reasons[1]?.since).toEqual((await getJob(db.sql, a))?.blocked_since);
  });

  it('says nothing is blocked when nothing is', async () => {
    await seedJob();

    expect(await blockedJobs(db.sql)).toEqual({ jobs: 0, reasons: [] });
  });
});
