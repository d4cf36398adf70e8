import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { metricsSnapshot } from './metrics';
import type { JobStatus } from './types';

let testDb: TestDatabase;
let db: Database;

/** A job with one input per result, a provider batch still at the provider, and one alert. */
async function seedJob(
  project: string,
  status: JobStatus,
  provider: string,
  results: Array<{ status: 'succeeded' | 'failed'; cost: string | null; tokens: number }>,
  batchAgeS: number,
): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts,
                      poll_interval_s, input_count, timeout_at)
    values (${id}, ${status}, ${provider}, 'm-1', 'chat', '{}', ${project}, 'tests', ${`run-${id.slice(0, 8)}`},
            3, 300, ${results.length + 1}, now() + interval '1 day')`;
  for (const [seq, result] of results.entries()) {
    await db.sql`
      insert into inputs (job_id, custom_id, seq, request, request_bytes, state)
      values (${id}, ${`${id}-${seq}`}, ${seq}, '{}', 2, ${result.status})`;
    await db.sql`
      insert into results (custom_id, job_id, status, input_tokens, output_tokens, cached_tokens, cost_usd,
                           sync_cost_usd, price_version, attempts)
      values (${`${id}-${seq}`}, ${id}, ${result.status}, ${result.tokens}, 0, 0, ${result.cost}, ${result.cost},
              ${result.cost === null ? null : 'test'}, 1)`;
  }
  await db.sql`
    insert into inputs (job_id, custom_id, seq, request, request_bytes, state)
    values (${id}, ${`${id}-pending`}, ${results.length}, '{}', 2, 'submitted')`;
  await db.sql`
    insert into provider_batches (id, job_id, provider, chunk_key, round, state, request_count, bytes, created_at,
                                  submitted_at)
    values (${randomUUID()}, ${id}, ${provider}, ${randomUUID()}, 1, 'submitted', 1, 2,
            now() - make_interval(secs => ${batchAgeS}), now() - make_interval(secs => ${batchAgeS}))`;
  await db.sql`
    insert into alerts (kind, dedupe_key, project, job_id, message)
    values (${project === 'a' ? 'job_timed_out' : 'batch_stuck'}, ${`seed:${id}`}, ${project}, ${id}, 'seeded')`;
  return id;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 2 });
  await seedJob('a', 'running', 'openai', [{ status: 'succeeded', cost: '0.5', tokens: 100 }], 60);
  await seedJob(
    'b',
    'completed',
    'anthropic',
    [
      { status: 'succeeded', cost: '2', tokens: 1000 },
      { status: 'failed', cost: null, tokens: 7 },
    ],
    3_600,
  );
  // An alert of no project is the operator's.
  await db.sql`insert into alerts (kind, dedupe_key, message) values ('budget_80', 'seed:none', 'seeded')`;
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

const byKey = <K extends string>(rows: Array<Record<K, string> & { n: number }>, key: K) =>
  Object.fromEntries(rows.map((row) => [row[key], row.n]));

describe('metricsSnapshot', () => {
  it('counts every project for the scope of all', async () => {
    const all = await metricsSnapshot(db.sql, 'all');
    expect(byKey(all.jobsByStatus, 'status')).toEqual({ running: 1, completed: 1 });
    expect(byKey(all.inputsByState, 'state')).toEqual({ succeeded: 2, failed: 1, submitted: 2 });
    expect(byKey(all.resultsByStatus, 'status')).toEqual({ succeeded: 2, failed: 1 });
    expect(all.usage.map((u) => [u.project, u.input_tokens, u.cost_usd]).sort()).toEqual([
      ['a', 100, 0.5],
      ['b', 1007, 2],
    ]);
    expect(all.oldestRunningBatch.map((b) => b.provider).sort()).toEqual(['anthropic', 'openai']);
    expect(byKey(all.alertsByKind, 'kind')).toEqual({ job_timed_out: 1, batch_stuck: 1, budget_80: 1 });
  });

  it("counts only the scope's projects, every series", async () => {
    const a = await metricsSnapshot(db.sql, ['a']);
    expect(byKey(a.jobsByStatus, 'status')).toEqual({ running: 1 });
    expect(byKey(a.inputsByState, 'state')).toEqual({ succeeded: 1, submitted: 1 });
    expect(byKey(a.resultsByStatus, 'status')).toEqual({ succeeded: 1 });
    expect(a.usage).toEqual([
      expect.objectContaining({ project: 'a', input_tokens: 100, unpriced_results: 0 }),
    ]);
    expect(a.oldestRunningBatch).toEqual([{ provider: 'openai', age_s: expect.any(Number) }]);
    expect(a.oldestRunningBatch[0]!.age_s).toBeLessThan(3_600);
    expect(byKey(a.alertsByKind, 'kind')).toEqual({ job_timed_out: 1 });
  });

  it('counts nothing for an empty scope', async () => {
    expect(await metricsSnapshot(db.sql, [])).toEqual({
      jobsByStatus: [],
      inputsByState: [],
      resultsByStatus: [],
      usage: [],
      oldestRunningBatch: [],
      alertsByKind: [],
    });
  });
});
