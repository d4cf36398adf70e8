import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing';
import { insertAlert } from './alerts';
import { takeSubmitLease } from './batches';
import { finishedJobSummary, recentlyFinishedJobs, stuckBatches } from './monitoring';

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

async function seedJob(
  status: string,
  options: { webhookUrl?: string; finishedSecondsAgo?: number; project?: string } = {},
): Promise<string> {
  const id = randomUUID();
  const spec = options.webhookUrl ? { options: { webhook_url: options.webhookUrl } } : {};
  const finishedAt =
    options.finishedSecondsAgo === undefined
      ? null
      : new Date(Date.now() - options.finishedSecondsAgo * 1000);
  await db.sql`
    insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts, poll_interval_s,
                      input_count, timeout_at, finished_at)
    values (${id}, ${status}, 'openai', 'gpt-4o-mini', 'chat', ${db.sql.json(spec)}, ${options.project ?? 'mon'},
            'tests', ${`run-${id.slice(0, 8)}`}, 3, 5, 1, now() + interval '1 day', ${finishedAt})`;
  return id;
}

async function seedBatch(
  jobId: string,
  state: string,
  providerStatus: string | null,
  secondsInState: number,
): Promise<string> {
  const id = randomUUID();
  const since = new Date(Date.now() - secondsInState * 1000);
  await db.sql`
    insert into provider_batches (id, job_id, provider, chunk_key, round, state, provider_status, provider_batch_id,
                                  request_count, bytes, created_at, submitted_at, status_changed_at, ended_at)
    values (${id}, ${jobId}, 'openai', ${`chunk-${id}`}, 0, ${state}, ${providerStatus},
            ${state === 'planned' ? null : `batch_${id.slice(0, 8)}`}, 1, 10, ${since},
            ${state === 'planned' ? null : since}, ${state === 'planned' ? null : since},
            ${state === 'ended' || state === 'fetched' ? since : null})`;
  return id;
}

describe('stuckBatches', () => {
  it('finds batches in one state past the limit, by what they are stuck in, until that state was alerted', async () => {
    const jobId = await seedJob('running');
    const inProgress = await seedBatch(jobId, 'submitted', 'in_progress', 600);
    await seedBatch(jobId, 'submitted', 'in_progress', 5);
    const planned = await seedBatch(jobId, 'planned', null, 600);
    const ended = await seedBatch(jobId, 'ended', 'completed', 600);
    const noStatusYet = await seedBatch(jobId, 'submitted', null, 600);
    await seedBatch(jobId, 'fetched', 'completed', 600);

    const stuck = await stuckBatches(db.sql, 60);
    expect(stuck.map((b) => [b.id, b.stuck_in]).sort()).toEqual(
      [
        [inProgress, 'in_progress'],
        [planned, 'planned'],
        [ended, 'ended'],
        [noStatusYet, 'submitted'],
      ].sort(),
    );
    expect(stuck.find((b) => b.id === inProgress)).toMatchObject({ job_id: jobId, project: 'mon' });

    await insertAlert(db.sql, {
      kind: 'batch_stuck',
      dedupeKey: `batch_stuck:${inProgress}:in_progress`,
      message: 'stuck',
    });
    expect((await stuckBatches(db.sql, 60)).map((b) => b.id)).not.toContain(inProgress);

    // It moved on, and stuck again in the next state: that is news.
    await db.sql`
      update provider_batches set provider_status = 'finalizing', status_changed_at = now() - interval '10 minutes'
      where id = ${inProgress}`;
    const again = (await stuckBatches(db.sql, 60)).find((b) => b.id === inProgress);
    expect(again?.stuck_in).toBe('finalizing');
    expect(await stuckBatches(db.sql, 3600)).toEqual([]);

    // Polled every 10 minutes, a batch only sees its status change when it is polled: not stuck after 10 minutes.
    await db.sql`update jobs set poll_interval_s = 600 where id = ${jobId}`;
    const slow = await stuckBatches(db.sql, 60);
    expect(slow.map((b) => b.id)).not.toContain(inProgress);
    expect(slow.map((b) => b.id)).toContain(planned);
  });
});

describe('stuckBatches and provider quotas', () => {
  it('leaves out a chunk waiting for quota, and counts its time as planned from when it stopped waiting', async () => {
    const jobId = await seedJob('submitting');
    const waiting = await seedBatch(jobId, 'planned', null, 600);
    await db.sql`update provider_batches set waiting_for_quota_since = now() - interval '10 minutes' where id = ${waiting}`;

    expect((await stuckBatches(db.sql, 60)).map((b) => b.id)).not.toContain(waiting);

    // Room at last: a worker claims it (waiting no more), and sending it just began.
    expect(await takeSubmitLease(db.sql, waiting, 'worker', 30_000)).toMatchObject({ kind: 'taken' });
    expect((await stuckBatches(db.sql, 60)).map((b) => b.id)).not.toContain(waiting);
    await db.sql`update provider_batches set status_changed_at = now() - interval '10 minutes' where id = ${waiting}`;
    expect((await stuckBatches(db.sql, 60)).map((b) => [b.id, b.stuck_in])).toContainEqual([
      waiting,
      'planned',
    ]);
  });
});

describe('recentlyFinishedJobs', () => {
  it('lists recent ends with a webhook, and timeouts not yet alerted', async () => {
    const timedOut = await seedJob('timed_out', { finishedSecondsAgo: 10 });
    const withWebhook = await seedJob('completed', { finishedSecondsAgo: 10, webhookUrl: 'http://x.test/h' });
    await seedJob('completed', { finishedSecondsAgo: 10 });
    await seedJob('failed', { finishedSecondsAgo: 7200, webhookUrl: 'http://x.test/h' });
    await seedJob('running', { webhookUrl: 'http://x.test/h' });

    const ids = (await recentlyFinishedJobs(db.sql, 3600)).map((j) => j.id);
    expect(ids).toContain(timedOut);
    expect(ids).toContain(withWebhook);
    expect(ids).toHaveLength(2);

    await insertAlert(db.sql, {
      kind: 'job_timed_out',
      dedupeKey: `job_timed_out:${timedOut}`,
      message: 'm',
    });
    expect((await recentlyFinishedJobs(db.sql, 3600)).map((j) => j.id)).toEqual([withWebhook]);
  });
});

describe('finishedJobSummary', () => {
  it('sums the cost of the job results exactly, and counts the unpriced apart', async () => {
    const jobId = await seedJob('completed_with_failures', { finishedSecondsAgo: 1 });
    const results: Array<[string, string, string | null, string | null, string | null]> = [
      ['a', 'succeeded', '0.100000000001', '0.200000000002', 'v1'],
      ['b', 'failed', '0.200000000000', '0.400000000000', 'v1'],
      ['c', 'succeeded', null, null, null],
    ];
    for (const [seq, [customId, state, cost, sync, version]] of results.entries()) {
      await db.sql`
        insert into inputs (job_id, custom_id, seq, request, request_bytes, state, attempts)
        values (${jobId}, ${`${jobId}-${customId}`}, ${seq}, '{}', 2, ${state}, 1)`;
      await db.sql`
        insert into results (custom_id, job_id, status, cost_usd, sync_cost_usd, price_version, attempts, error)
        values (${`${jobId}-${customId}`}, ${jobId}, ${state}, ${cost}, ${sync}, ${version}, 1,
                ${state === 'failed' ? db.sql.json({ type: 'server_error', message: 'x' }) : null})`;
    }
    await db.sql`update inputs set last_error = '{"type": "server_error"}' where job_id = ${jobId} and state = 'failed'`;
    const summary = await finishedJobSummary(db.sql, jobId);
    expect(summary?.job.id).toBe(jobId);
    expect(summary?.cost).toEqual({
      cost_usd: '0.300000000001',
      sync_cost_usd: '0.600000000002',
      savings_usd: '0.300000000001',
      unpriced_results: 1,
      price_versions: ['v1'],
    });
    expect(summary?.reconciliation).toMatchObject({ submitted: 3, succeeded: 2, failed: 1, pending: 0 });
    expect(await finishedJobSummary(db.sql, randomUUID())).toBeNull();
  });
});
