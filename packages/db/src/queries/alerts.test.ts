import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { getAlert, insertAlert, recentAlertIds } from './alerts';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 10 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('insertAlert', () => {
  it('inserts an alert once per dedupe key, even when ten callers race, and only the winner gets the row', async () => {
    const alert = {
      kind: 'job_timed_out' as const,
      dedupeKey: 'job_timed_out:job-race',
      project: 'p',
      jobId: 'job-race',
      message: 'job job-race passed its timeout',
      details: { timeout_at: '2025-01-01T00:00:00.000Z' },
    };
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => insertAlert(db.sql, alert)));
    const winners = outcomes.filter((row) => row !== null);
    expect(winners).toHaveLength(1);
    const [row] = winners;
    expect(row).toMatchObject({
      kind: 'job_timed_out',
      dedupe_key: 'job_timed_out:job-race',
      project: 'p',
      job_id: 'job-race',
      batch_id: null,
      message: 'job job-race passed its timeout',
      details: { timeout_at: '2025-01-01T00:00:00.000Z' },
    });
    expect(typeof row?.id).toBe('number');
    const [count] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from alerts where dedupe_key = 'job_timed_out:job-race'`;
    expect(count?.n).toBe(1);
    expect(await getAlert(db.sql, row!.id)).toEqual(row);
    expect(await insertAlert(db.sql, { ...alert, message: 'again' })).toBeNull();
  });

  it('lists the alerts raised recently, and not the older ones', async () => {
    const fresh = await insertAlert(db.sql, {
      kind: 'budget_80',
      dedupeKey: 'budget_80:p:2025-01',
      message: 'm',
    });
    const old = await insertAlert(db.sql, {
      kind: 'budget_100',
      dedupeKey: 'budget_100:p:2025-01',
      message: 'm',
    });
    await db.sql`update alerts set created_at = now() - interval '2 hours' where id = ${old!.id}`;
    const recent = await recentAlertIds(db.sql, 3600);
    expect(recent).toContain(fresh!.id);
    expect(recent).not.toContain(old!.id);
  });
});
