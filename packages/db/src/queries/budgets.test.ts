import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import {
  budgetStatus,
  budgetStatuses,
  deleteBudget,
  getBudget,
  listBudgets,
  lockProjectBudget,
  setBudget,
  utcMonth,
} from './budgets';
import type { JobStatus } from './types';

// A fixed "now" in the middle of a month, so results can sit on either side of its boundaries.
const NOW = new Date('2026-11-15T12:00:00Z');
const THIS_MONTH = new Date('2026-11-01T00:00:00Z');
const LAST_MONTH = new Date('2026-10-31T23:59:59Z');
const NEXT_MONTH = new Date('2026-12-01T00:00:00Z');

let testDb: TestDatabase;
let db: Database;

async function seedJob(
  project: string,
  status: JobStatus,
  worstCase: string | null,
  results: Array<{ cost: string | null; at: Date }>,
): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts,
                      poll_interval_s, input_count, timeout_at, worst_case_usd)
    values (${id}, ${status}, 'openai', 'gpt-4o-mini', 'chat', '{}', ${project}, 'tests',
            ${`run-${id.slice(0, 8)}`}, 3, 300, ${results.length}, now() + interval '1 day', ${worstCase})`;
  for (const [i, result] of results.entries()) {
    await db.sql`
      insert into results (custom_id, job_id, status, cost_usd, sync_cost_usd, price_version, attempts,
                           created_at)
      values (${`${id}-${i}`}, ${id}, 'succeeded', ${result.cost}, ${result.cost},
              ${result.cost === null ? null : 'test'}, 1, ${result.at})`;
  }
  return id;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 3 });
  await setBudget(db.sql, 'acme', '100');
  await setBudget(db.sql, 'quiet', '5.5');
  // Spent in November: 40 + 0.000000000001 here, 5 and 2 from the running jobs below = 47.000000000001.
  await seedJob('acme', 'completed', '60', [
    { cost: '40', at: THIS_MONTH },
    { cost: '0.000000000001', at: NOW },
    { cost: '1000', at: LAST_MONTH },
    { cost: '1000', at: NEXT_MONTH },
    { cost: null, at: NOW },
  ]);
  // Running: reserves its worst case minus what its results cost so far, 30 - 5 = 25.
  await seedJob('acme', 'running', '30', [{ cost: '5', at: NOW }]);
  // Running past its worst case: reserves nothing (never below 0); its result counts as spent.
  await seedJob('acme', 'submitting', '1', [{ cost: '2', at: NOW }]);
  // Queued, nothing back yet: reserves all of it.
  await seedJob('acme', 'queued', '0.25', []);
  // An unpriced job reserves nothing; a finished one neither; another project's jobs are not acme's.
  await seedJob('acme', 'running', null, []);
  await seedJob('acme', 'cancelled', '500', []);
  await seedJob('other', 'running', '70', [{ cost: '3', at: NOW }]);
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('budgets', () => {
  it('sets, replaces, reads, lists and deletes a budget', async () => {
    const created = await setBudget(db.sql, 'tmp', '12.5');
    expect(created.monthly_usd).toBe('12.500000');
    const replaced = await setBudget(db.sql, 'tmp', '20');
    expect(replaced.monthly_usd).toBe('20.000000');
    expect(replaced.created_at).toEqual(created.created_at);
    expect((await getBudget(db.sql, 'tmp'))?.monthly_usd).toBe('20.000000');
    expect((await listBudgets(db.sql)).map((b) => b.project)).toEqual(['acme', 'quiet', 'tmp']);
    expect(await deleteBudget(db.sql, 'tmp')).toBe(true);
    expect(await deleteBudget(db.sql, 'tmp')).toBe(false);
    expect(await getBudget(db.sql, 'tmp')).toBeNull();
  });

  it("counts this month's results as spent and running jobs' remaining worst case as reserved", async () => {
    expect(await budgetStatus(db.sql, 'acme', NOW)).toEqual({
      project: 'acme',
      monthly_usd: '100.000000000000',
      month: '2026-11',
      spent_usd: '47.000000000001',
      reserved_usd: '25.250000000000',
      committed_usd: '72.250000000001',
      remaining_usd: '27.749999999999',
    });
  });

  it('is null for a project without a budget, and zero for a budget with nothing spent', async () => {
    expect(await budgetStatus(db.sql, 'other', NOW)).toBeNull();
    expect(await budgetStatus(db.sql, 'quiet', NOW)).toMatchObject({
      spent_usd: '0.000000000000',
      reserved_usd: '0.000000000000',
      remaining_usd: '5.500000000000',
    });
  });

  it('places spend in the calendar month (UTC) of the date asked about, and never shows a negative remainder', async () => {
    const october = await budgetStatus(db.sql, 'acme', LAST_MONTH);
    expect(october).toMatchObject({
      month: '2026-10',
      spent_usd: '1000.000000000000',
      remaining_usd: '0.000000000000',
    });
    expect(utcMonth(new Date('2026-12-31T23:30:00-05:00')).name).toBe('2027-01');
  });

  it('lists every budget with its status', async () => {
    const all = await budgetStatuses(db.sql, NOW, 'all');
    expect(all.map((s) => [s.project, s.committed_usd])).toEqual([
      ['acme', '72.250000000001'],
      ['quiet', '0.000000000000'],
    ]);
  });

  it("lists only the scope's budgets, with the same figures, and none for an empty scope", async () => {
    const all = await budgetStatuses(db.sql, NOW, 'all');
    expect(await budgetStatuses(db.sql, NOW, ['acme'])).toEqual(all.filter((s) => s.project === 'acme'));
    // `other` has jobs but no budget; `quiet` has a budget but no jobs.
    expect((await budgetStatuses(db.sql, NOW, ['other', 'quiet'])).map((s) => s.project)).toEqual(['quiet']);
    expect(await budgetStatuses(db.sql, NOW, ['other'])).toEqual([]);
    expect(await budgetStatuses(db.sql, NOW, [])).toEqual([]);
  });

  it("serialises two transactions on one project's budget lock, not on another project's", async () => {
    const order: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstLocked!: () => void;
    const locked = new Promise<void>((resolve) => {
      firstLocked = resolve;
    });
    const first = db.sql.begin(async (tx) => {
      await lockProjectBudget(tx as never, 'acme');
      order.push('first locked');
      firstLocked();
      await firstHolds;
      order.push('first done');
    });
    await locked;
    const other = db.sql.begin(async (tx) => {
      await lockProjectBudget(tx as never, 'quiet');
      order.push('other project locked');
    });
    await other;
    const second = db.sql.begin(async (tx) => {
      await lockProjectBudget(tx as never, 'acme');
      order.push('second locked');
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first locked', 'other project locked', 'first done', 'second locked']);
  });
});
