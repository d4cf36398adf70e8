import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { jobFailures } from './job-failures';
import { getJob, reconcile } from './jobs';
import type { InputState } from './types';

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

interface SeedInput {
  state: InputState;
  callerId?: string;
  /** The stored error's type and message; `null` stores an error without a type. */
  error?: { type?: string; message: string };
}

async function seedJob(inputs: SeedInput[]): Promise<string> {
  const id = randomUUID();
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                      input_count, timeout_at)
    values (${id}, 'completed_with_failures', 'openai', 'gpt-4o-mini', 'chat', ${db.sql.json({})}, 'failures',
            'tests', ${`run-${id}`}, 3, 5, ${inputs.length}, now() + interval '1 day')`;
  for (const [seq, input] of inputs.entries()) {
    const lastError = input.error ? { code: null, retryable: false, ...input.error } : null;
    await db.sql`
      insert into inputs (job_id, custom_id, seq, caller_id, request, request_bytes, state, last_error)
      values (${id}, ${`${id}-${seq}`}, ${seq}, ${input.callerId ?? null}, ${db.sql.json({})}, 2, ${input.state},
              ${lastError ? db.sql.json(lastError) : null})`;
  }
  return id;
}

const failed = (type: string | undefined, message: string, callerId?: string): SeedInput => ({
  state: 'failed',
  error: type === undefined ? { message } : { type, message },
  ...(callerId ? { callerId } : {}),
});

describe('jobFailures', () => {
  it('groups failed requests by the reconciliation’s reasons, most frequent first, with examples in input order', async () => {
    const jobId = await seedJob([
      failed('server_error', 'provider 500 (1)', 'doc-0'),
      { state: 'succeeded' },
      failed('invalid_output', 'not JSON (1)'),
      failed('server_error', 'provider 500 (2)', 'doc-3'),
      // A failure retried and later succeeded keeps its last error: it is no failure.
      { state: 'succeeded', error: { type: 'server_error', message: 'retried' } },
      failed('server_error', 'provider 500 (3)', 'doc-5'),
      failed('server_error', 'provider 500 (4)', 'doc-6'),
      failed(undefined, 'no type'),
      { state: 'pending' },
    ]);
    const report = await jobFailures(db.sql, jobId, 3);
    expect(report).toEqual({
      job_id: jobId,
      failed: 6,
      reasons: [
        {
          reason: 'server_error',
          count: 4,
          examples: [
            { custom_id: `${jobId}-0`, input_id: 'doc-0', error: 'provider 500 (1)' },
            { custom_id: `${jobId}-3`, input_id: 'doc-3', error: 'provider 500 (2)' },
            { custom_id: `${jobId}-5`, input_id: 'doc-5', error: 'provider 500 (3)' },
          ],
        },
        {
          reason: 'invalid_output',
          count: 1,
          examples: [{ custom_id: `${jobId}-2`, input_id: null, error: 'not JSON (1)' }],
        },
        {
          reason: 'unknown',
          count: 1,
          examples: [{ custom_id: `${jobId}-7`, input_id: null, error: 'no type' }],
        },
      ],
    });
    const reconciliation = await reconcile(db.sql, (await getJob(db.sql, jobId))!);
    expect(report.failed).toBe(reconciliation.failed);
    expect(Object.fromEntries(report.reasons.map((r) => [r.reason, r.count]))).toEqual(
      reconciliation.failed_by_reason,
    );
  });

  it('counts without examples when none are asked for, and caps them at 20', async () => {
    const jobId = await seedJob(Array.from({ length: 25 }, (_, i) => failed('server_error', `e${i}`)));
    expect(await jobFailures(db.sql, jobId, 0)).toEqual({
      job_id: jobId,
      failed: 25,
      reasons: [{ reason: 'server_error', count: 25, examples: [] }],
    });
    const capped = await jobFailures(db.sql, jobId, 100);
    expect(capped.reasons[0]!.examples.map((e) => e.error)).toEqual(
      Array.from({ length: 20 }, (_, i) => `e${i}`),
    );
  });

  it('reports no reason for a job without failures', async () => {
    const jobId = await seedJob([{ state: 'succeeded' }, { state: 'skipped' }]);
    expect(await jobFailures(db.sql, jobId)).toEqual({ job_id: jobId, failed: 0, reasons: [] });
  });
});
