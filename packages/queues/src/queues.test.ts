import { randomBytes, randomUUID } from 'node:crypto';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobIds, QUEUE_NAMES } from './names';
import { createQueues, redisConnection, type TrancheQueues } from './queues';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Each test has queues under a prefix of its own.
let prefix: string;
let connection: Redis;
let queues: TrancheQueues;
let taker: Worker;
const others: TrancheQueues[] = [];

beforeEach(() => {
  prefix = `test-queues-${randomBytes(4).toString('hex')}`;
  connection = redisConnection(REDIS_URL);
  queues = createQueues(connection, prefix);
  // A worker without a processor: the test takes jobs itself, as a worker would, to fail or hold them.
  taker = new Worker(QUEUE_NAMES.poll, null, { connection, prefix });
});
afterEach(async () => {
  await taker.close();
  await Promise.all([queues, ...others.splice(0)].map((q) => q.close()));
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await connection.del(...keys);
  } while (cursor !== '0');
  connection.disconnect();
});

async function takePoll(): Promise<{ job: Job; token: string }> {
  const token = randomUUID();
  const job = await taker.getNextJob(token, { block: false });
  if (!job) throw new Error('no waiting poll job');
  return { job, token };
}

/** A poll job under the batch's stable id that ended failed, as one does when it ran out of attempts. */
async function failedPoll(batchId: string): Promise<Job> {
  await queues.enqueuePoll(batchId);
  const { job, token } = await takePoll();
  await job.updateData({ ...job.data, transientRetries: 3 });
  await job.moveToFailed(new UnrecoverableError('stalled too often'), token);
  expect(await job.getState()).toBe('failed');
  return job;
}

describe('enqueuePoll, enqueueFetch, enqueueSubmit, enqueueSubmitBatch', () => {
  it('add the work when no job has its id', async () => {
    expect(await queues.enqueuePoll('batch-a')).toBe('added');
    expect(await queues.enqueueFetch('batch-a')).toBe('added');
    expect(await queues.enqueueSubmit('job-a', 2)).toBe('added');
    expect(await queues.enqueueSubmitBatch('batch-a')).toBe('added');

    expect(await queues.poll.getJobState(jobIds.poll('batch-a'))).toBe('waiting');
    expect(await queues.fetch.getJobState(jobIds.fetch('batch-a'))).toBe('waiting');
    expect(await queues.submit.getJobState(jobIds.submit('job-a', 2))).toBe('waiting');
    expect(await queues.submitBatch.getJobState(jobIds.submitBatch('batch-a'))).toBe('waiting');
    expect((await queues.submitBatch.getJob(jobIds.submitBatch('batch-a')))?.data).toEqual({
      batchId: 'batch-a',
    });
  });

  it('revive a failed job under the id with fresh attempts, keeping its data', async () => {
    const failed = await failedPoll('batch-b');

    expect(await queues.enqueuePoll('batch-b')).toBe('revived');

    const revived = await queues.poll.getJob(failed.id!);
    expect(await revived?.getState()).toBe('waiting');
    expect(revived?.attemptsMade).toBe(0);
    expect(revived?.failedReason).toBeFalsy();
    expect(revived?.data).toEqual({ batchId: 'batch-b', transientRetries: 3 });
  });

  it('leave a waiting, a delayed and an active job alone', async () => {
    await queues.enqueuePoll('batch-active');
    const active = await takePoll();
    await queues.enqueuePoll('batch-waiting');
    await queues.enqueuePoll('batch-delayed', 300_000);
    const sleeping = (await queues.poll.getJob(jobIds.poll('batch-delayed')))!;
    const dueBefore = sleeping.timestamp + sleeping.delay;

    expect(await queues.enqueuePoll('batch-waiting')).toBe('queued');
    expect(await queues.enqueuePoll('batch-delayed')).toBe('queued');
    expect(await queues.enqueuePoll('batch-active')).toBe('queued');

    expect(await queues.poll.getJobState(jobIds.poll('batch-waiting'))).toBe('waiting');
    expect(await queues.poll.getJobState(jobIds.poll('batch-active'))).toBe('active');
    const delayed = (await queues.poll.getJob(jobIds.poll('batch-delayed')))!;
    expect(await delayed.getState()).toBe('delayed');
    expect(delayed.timestamp + delayed.delay).toBe(dueBefore);
    expect(await queues.poll.getJobCounts('waiting', 'active', 'delayed')).toEqual({
      waiting: 1,
      active: 1,
      delayed: 1,
    });
    await active.job.moveToCompleted(undefined, active.token, false);
  });

  it('revive a failed job once when several sweepers find it at the same moment', async () => {
    await failedPoll('batch-c');
    // Sweepers on several workers: each with connections of its own.
    for (let i = 0; i < 4; i++) others.push(createQueues(redisConnection(REDIS_URL), prefix));

    const outcomes = await Promise.all([queues, ...others].map((q) => q.enqueuePoll('batch-c')));

    expect(outcomes.filter((o) => o === 'revived')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'queued')).toHaveLength(4);
    expect(await queues.poll.getJobCounts('waiting', 'failed')).toEqual({ waiting: 1, failed: 0 });
  });
});

describe('pollNow', () => {
  it('revives a failed poll job rather than leave the cancel unsent', async () => {
    await failedPoll('batch-d');

    await queues.pollNow('batch-d');

    expect(await queues.poll.getJobState(jobIds.poll('batch-d'))).toBe('waiting');
  });

  it('wakes a sleeping poll job', async () => {
    await queues.enqueuePoll('batch-e', 300_000);

    await queues.pollNow('batch-e');

    expect(await queues.poll.getJobState(jobIds.poll('batch-e'))).toBe('waiting');
  });
});

describe('submitBatchNow', () => {
  it("wakes a planned batch's sleeping submit job, and adds one Redis lost", async () => {
    await queues.enqueueSubmitBatch('batch-f', 300_000);

    await queues.submitBatchNow('batch-f');
    await queues.submitBatchNow('batch-g');

    expect(await queues.submitBatch.getJobState(jobIds.submitBatch('batch-f'))).toBe('waiting');
    expect(await queues.submitBatch.getJobState(jobIds.submitBatch('batch-g'))).toBe('waiting');
  });
});
