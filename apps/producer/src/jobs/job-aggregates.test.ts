import { randomUUID } from 'node:crypto';
import { connect, type Database, type JobRow } from '@tranche/db';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobAggregatesCache } from './job-aggregates';

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = connect(database.url, { max: 3 });
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

/** A running job of three inputs, all sent. */
async function runningJob(): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, tags, max_attempts,
                      poll_interval_s, input_count, timeout_at)
    values (${id}, 'running', 'openai', 'gpt-4o-mini', 'chat', '{}', 'p', 'o', ${`run-${id}`}, '{}', 3, 60, 3,
            now() + interval '1 day')`;
  for (const seq of [0, 1, 2]) {
    await db.sql`
      insert into inputs (job_id, custom_id, seq, request, request_bytes, state, attempts)
      values (${id}, ${`${id}-${seq}`}, ${seq}, '{}', 2, 'submitted', 1)`;
  }
  return id;
}

async function answer(jobId: string, seq: number) {
  await db.sql`update inputs set state = 'succeeded' where custom_id = ${`${jobId}-${seq}`}`;
  await db.sql`
    insert into results (custom_id, job_id, status, input_tokens, output_tokens, attempts)
    values (${`${jobId}-${seq}`}, ${jobId}, 'succeeded', 10, 2, 1)`;
}

async function row(jobId: string): Promise<JobRow> {
  const [job] = await db.sql<JobRow[]>`select * from jobs where id = ${jobId}`;
  return job!;
}

describe('a job view’s sums', () => {
  it('of a running job are reused for refreshMs, then summed again', async () => {
    let now = 0;
    const cache = new JobAggregatesCache(1_000, () => now);
    const id = await runningJob();
    const first = await cache.get(db.sql, await row(id));
    expect(first.reconciliation).toMatchObject({ submitted: 3, succeeded: 0, pending: 3 });

    await answer(id, 0);
    now = 999;
    expect(await cache.get(db.sql, await row(id))).toBe(first);

    now = 1_000;
    const second = await cache.get(db.sql, await row(id));
    expect(second.reconciliation).toMatchObject({ submitted: 3, succeeded: 1, pending: 2 });
    expect(second.usage).toMatchObject({ input_tokens: 10, output_tokens: 2 });
  });

  it('are shared by callers arriving while they are summed', async () => {
    const cache = new JobAggregatesCache(1_000);
    const job = await row(await runningJob());
    const [a, b] = [cache.get(db.sql, job), cache.get(db.sql, job)];
    expect(a).toBe(b);
    await a;
  });

  it('are summed afresh once the job has ended, however recent the last sums, and then kept', async () => {
    const cache = new JobAggregatesCache(60_000, () => 0);
    const id = await runningJob();
    await cache.get(db.sql, await row(id));

    await answer(id, 0);
    await answer(id, 1);
    await answer(id, 2);
    await db.sql`update jobs set status = 'completed', finished_at = now() where id = ${id}`;
    const final = await cache.get(db.sql, await row(id));
    expect(final.reconciliation).toMatchObject({ submitted: 3, succeeded: 3, pending: 0 });
    expect(final.usage.input_tokens).toBe(30);
    expect(await cache.get(db.sql, await row(id))).toBe(final);
  });

  it('are summed on every request with a refresh of 0', async () => {
    const cache = new JobAggregatesCache(0, () => 0);
    const id = await runningJob();
    await cache.get(db.sql, await row(id));
    await answer(id, 2);
    expect((await cache.get(db.sql, await row(id))).reconciliation.succeeded).toBe(1);
  });

  it('are not kept when summing them failed', async () => {
    const cache = new JobAggregatesCache(60_000, () => 0);
    const id = await runningJob();
    const job = await row(id);
    const broken = connect(database.url, { max: 1 });
    await broken.close();
    await expect(cache.get(broken.sql, job)).rejects.toThrow();
    expect((await cache.get(db.sql, job)).reconciliation.submitted).toBe(3);
  });
});
