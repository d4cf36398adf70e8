import { createHash, randomBytes } from 'node:crypto';
import { connect, type Database } from '@tranche/db';
import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { loadPricer } from '@tranche/pricing';
import { createQueues, redisConnection, type TrancheQueues } from '@tranche/queues';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_OPERATOR } from '../auth/caller';
import { TrancheService } from '../tranche-service';
import { IdempotencyKeyReusedError, type IdempotentRequest } from './idempotency';

let testDb: TestDatabase;
let db: Database;
let redis: Redis;
let queues: TrancheQueues;
let service: TrancheService;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connect(testDb.url, { max: 4 });
  redis = redisConnection(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  queues = createQueues(redis, `test-once-${randomBytes(4).toString('hex')}`);
  service = new TrancheService(
    db.sql,
    queues,
    { pollIntervalS: 300, timeoutH: 1, maxAttempts: 1 },
    loadPricer(undefined),
  );
});
afterAll(async () => {
  for (const queue of queues?.all() ?? []) await queue.obliterate({ force: true });
  await queues?.close();
  redis?.disconnect();
  await db?.close();
  await testDb?.drop();
});

const header = (runId: string) => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  metadata: { project: 'once', owner: 'tests', run_id: runId },
});
const inputs = (count: number) => Array.from({ length: count }, (_, i) => ({ prompt: `document ${i}` }));

function keyed(key: string, body: string): IdempotentRequest {
  return {
    scope: '',
    key,
    field: 'Idempotency-Key',
    bodySha256: () => createHash('sha256').update(body).digest('hex'),
    drain: async () => {},
  };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('submitOnce', () => {
  it('the request that loses the race for its key rolls its job back and answers with the winner’s', async () => {
    const runId = `race-${randomBytes(4).toString('hex')}`;
    const read = gate();
    const release = gate();
    // The first request is still streaming its inputs, inside its transaction, when the second one commits.
    async function* slowInputs() {
      yield* inputs(5);
      read.open();
      await release.opened;
    }
    const slow = service.submitOnce(LOCAL_OPERATOR, keyed('k-race', 'same body'), async () => ({
      header: header(runId),
      inputs: slowInputs(),
    }));
    await read.opened;
    const fast = await service.submitOnce(LOCAL_OPERATOR, keyed('k-race', 'same body'), async () => ({
      header: header(runId),
      inputs: inputs(5),
    }));
    expect(fast).toMatchObject({ status: 202, replayed: false });
    release.open();
    expect(await slow).toEqual({ status: 202, body: fast.body, replayed: true });
    const jobs = await db.sql<{ id: string }[]>`select id from jobs where run_id = ${runId}`;
    expect(jobs.map((j) => j.id)).toEqual([fast.body.job_id]);
  });

  it('the loser with another body gets a 422 and leaves nothing', async () => {
    const runId = `race-other-${randomBytes(4).toString('hex')}`;
    const read = gate();
    const release = gate();
    async function* slowInputs() {
      yield* inputs(3);
      read.open();
      await release.opened;
    }
    const slow = service.submitOnce(LOCAL_OPERATOR, keyed('k-race-other', 'body A'), async () => ({
      header: header(runId),
      inputs: slowInputs(),
    }));
    await read.opened;
    const fast = await service.submitOnce(LOCAL_OPERATOR, keyed('k-race-other', 'body B'), async () => ({
      header: header(runId),
      inputs: inputs(4),
    }));
    release.open();
    await expect(slow).rejects.toThrow(IdempotencyKeyReusedError);
    const jobs = await db.sql<{ id: string }[]>`select id from jobs where run_id = ${runId}`;
    expect(jobs.map((j) => j.id)).toEqual([fast.body.job_id]);
  });

  it('a replayed key does not read the job at all', async () => {
    const runId = `replay-${randomBytes(4).toString('hex')}`;
    const first = await service.submitOnce(LOCAL_OPERATOR, keyed('k-replay', 'body'), async () => ({
      header: header(runId),
      inputs: inputs(2),
    }));
    const again = await service.submitOnce(LOCAL_OPERATOR, keyed('k-replay', 'body'), async () => {
      throw new Error('a replay must not read the job');
    });
    expect(again).toEqual({ status: 202, body: first.body, replayed: true });
  });
});
