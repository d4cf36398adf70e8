import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { claimWithinQuota, type QuotaBudget } from './quota';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 4 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

async function seedJob(model: string): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                      input_count, timeout_at)
    values (${id}, 'submitting', 'openai', ${model}, 'chat', ${db.sql.json({})}, 'quota', 'tests',
            ${`run-${id.slice(0, 8)}`}, 3, 5, 1, now() + interval '1 day')`;
  return id;
}

async function plannedChunk(jobId: string, tokens: number): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into provider_batches (id, job_id, provider, chunk_key, round, state, request_count, bytes, estimated_tokens)
    values (${id}, ${jobId}, 'openai', ${`chunk-${id}`}, 0, 'planned', 1, 10, ${tokens})`;
  return id;
}

const budgets: QuotaBudget[] = [{ scope: 'model', unit: 'tokens', limit: 100 }];

const claim = (id: string, model: string, owner = `worker-${id}`) =>
  claimWithinQuota(db.sql, { id, provider: 'openai', model }, budgets, owner, 60_000);

/** What the batch's claim left it as: sent (taken, then recorded at the provider), or still waiting. */
async function sent(id: string) {
  await db.sql`
    update provider_batches set state = 'submitted', submit_lease_until = null, submit_lease_owner = null
    where id = ${id}`;
}

describe('claimWithinQuota', () => {
  it('lets chunks go first in line first, while what is in flight and waits ahead leaves room', async () => {
    const jobId = await seedJob('gpt-4o-mini');
    const a = await plannedChunk(jobId, 60);
    const b = await plannedChunk(jobId, 60);
    const c = await plannedChunk(jobId, 30);

    expect((await claim(a, 'gpt-4o-mini')).kind).toBe('taken');
    await sent(a);
    expect(await claim(b, 'gpt-4o-mini')).toMatchObject({ kind: 'waiting_for_quota', budget: budgets[0] });
    // C would fit beside A, but B waits ahead of it: C does not jump the line.
    expect((await claim(c, 'gpt-4o-mini')).kind).toBe('waiting_for_quota');
    const [waiting] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from provider_batches where waiting_for_quota_since is not null`;
    expect(waiting?.n).toBe(2);

    // A ends: C fits beside the room kept for B, whichever of the two looks first; B then fits beside C.
    await db.sql`update provider_batches set state = 'ended' where id = ${a}`;
    expect((await claim(c, 'gpt-4o-mini')).kind).toBe('taken');
    expect((await claim(b, 'gpt-4o-mini')).kind).toBe('taken');
    const rows = await db.sql<{ id: string; waiting_for_quota_since: Date | null }[]>`
      select id, waiting_for_quota_since from provider_batches where id in ${db.sql([b, c])}`;
    expect(rows.map((r) => r.waiting_for_quota_since)).toEqual([null, null]);
  });

  it('counts each model on its own under a per-model budget', async () => {
    const mini = await seedJob('model-a');
    const other = await seedJob('model-b');
    const first = await plannedChunk(mini, 90);
    const elsewhere = await plannedChunk(other, 90);

    expect((await claim(first, 'model-a')).kind).toBe('taken');
    expect((await claim(elsewhere, 'model-b')).kind).toBe('taken');
  });

  it('keeps a waiting chunk waiting while the room ahead of it is not enough, first in line first', async () => {
    const jobId = await seedJob('model-e');
    const running = await plannedChunk(jobId, 50);
    const first = await plannedChunk(jobId, 60);
    const second = await plannedChunk(jobId, 40);

    expect((await claim(running, 'model-e')).kind).toBe('taken');
    await sent(running);
    expect((await claim(first, 'model-e')).kind).toBe('waiting_for_quota');
    // 50 in flight, 60 ahead: the second does not fit, though it would beside the running one alone.
    expect((await claim(second, 'model-e')).kind).toBe('waiting_for_quota');
  });

  it('lets a chunk bigger than the whole budget go when nothing is in flight or ahead of it', async () => {
    const jobId = await seedJob('model-c');
    const big = await plannedChunk(jobId, 500);
    const next = await plannedChunk(jobId, 10);

    expect((await claim(big, 'model-c')).kind).toBe('taken');
    expect((await claim(next, 'model-c')).kind).toBe('waiting_for_quota');
  });

  it('leaves a chunk another worker holds the claim on to that worker, whatever the quota', async () => {
    const jobId = await seedJob('model-d');
    const chunk = await plannedChunk(jobId, 10);

    expect((await claim(chunk, 'model-d', 'first')).kind).toBe('taken');
    expect(await claim(chunk, 'model-d', 'second')).toMatchObject({ kind: 'held' });
    await sent(chunk);
    expect(await claim(chunk, 'model-d', 'second')).toEqual({ kind: 'gone' });
  });
});
