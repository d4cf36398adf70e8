import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database, type Sql } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { claimIdempotencyKey, findIdempotencyKey, type KeyClaim } from './idempotency';

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

/** A job row for a key to point at. */
async function job(tx: Sql = db.sql): Promise<string> {
  const id = randomUUID();
  await tx`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                      input_count, timeout_at)
    values (${id}, 'queued', 'openai', 'gpt-4o-mini', 'chat', '{}', 'p', 'o', ${`run-${id.slice(0, 8)}`}, 1, 300, 1,
            now() + interval '1 hour')`;
  return id;
}

const claimOf = (key: string, jobId: string, bodySha256 = 'sha-a'): KeyClaim => ({
  scope: '',
  key,
  bodySha256,
  jobId,
  status: 202,
  response: { job_id: jobId },
});

async function until(what: string, probe: () => Promise<boolean>) {
  for (let i = 0; i < 300; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('idempotency keys', () => {
  it('a new key is claimed and then found with its answer; another scope has its own', async () => {
    const key = `k-${randomUUID()}`;
    const jobId = await job();
    expect(
      await db.sql.begin((tx) => claimIdempotencyKey(tx as unknown as Sql, claimOf(key, jobId))),
    ).toBeNull();
    expect(await findIdempotencyKey(db.sql, '', key)).toEqual({
      bodySha256: 'sha-a',
      status: 202,
      response: { job_id: jobId },
    });
    expect(await findIdempotencyKey(db.sql, 'sdk', key)).toBeNull();
  });

  it('a claim that loses the race waits for the winner and gets its answer', async () => {
    const key = `k-${randomUUID()}`;
    const claimed = gate();
    const release = gate();
    const winner = db.sql.begin(async (tx) => {
      const jobId = await job(tx as unknown as Sql);
      const holder = await claimIdempotencyKey(tx as unknown as Sql, claimOf(key, jobId));
      claimed.open();
      await release.opened;
      return { jobId, holder };
    });
    await claimed.opened;
    const loser = db.sql.begin(async (tx) =>
      claimIdempotencyKey(tx as unknown as Sql, claimOf(key, await job(tx as unknown as Sql), 'sha-b')),
    );
    await until("the loser's insert to wait on the winner's uncommitted row", async () => {
      const [row] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like '%insert into idempotency_keys%'`;
      return (row?.n ?? 0) > 0;
    });
    release.open();
    const { jobId, holder } = await winner;
    expect(holder).toBeNull();
    expect(await loser).toEqual({ bodySha256: 'sha-a', status: 202, response: { job_id: jobId } });
  });

  it('a claim rolled back leaves the key free', async () => {
    const key = `k-${randomUUID()}`;
    await expect(
      db.sql.begin(async (tx) => {
        await claimIdempotencyKey(tx as unknown as Sql, claimOf(key, await job(tx as unknown as Sql)));
        throw new Error('budget exceeded');
      }),
    ).rejects.toThrow('budget exceeded');
    expect(await findIdempotencyKey(db.sql, '', key)).toBeNull();
  });

  it('after 24 hours a key is not found, gives way to a new claim, and old keys are deleted on the way', async () => {
    const key = `k-${randomUUID()}`;
    const other = `k-${randomUUID()}`;
    const first = await job();
    await db.sql.begin((tx) => claimIdempotencyKey(tx as unknown as Sql, claimOf(key, first)));
    await db.sql.begin((tx) => claimIdempotencyKey(tx as unknown as Sql, claimOf(other, first)));
    await db.sql`
      update idempotency_keys set created_at = now() - interval '25 hours' where key in (${key}, ${other})`;
    expect(await findIdempotencyKey(db.sql, '', key)).toBeNull();

    const second = await job();
    const holder = await db.sql.begin((tx) =>
      claimIdempotencyKey(tx as unknown as Sql, claimOf(key, second, 'sha-new')),
    );
    expect(holder).toBeNull();
    expect(await findIdempotencyKey(db.sql, '', key)).toMatchObject({
      bodySha256: 'sha-new',
      response: { job_id: second },
    });
    const [left] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from idempotency_keys where key = ${other}`;
    expect(left?.n).toBe(0);
  });
});
