import { createServer } from 'node:net';
import { connect, getBatch, getJob, recordPoll, recordProviderCallback, requestCancel } from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { DelayedError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { BLOCKED_KEY, WAITS_KEY } from '../keep-trying';
import {
  emulatedWorker,
  eventually,
  inputLines,
  insertTestJob,
  planTestBatch,
  refOf,
  sendTestBatch,
  startQueueWorkers,
  submittedTestBatch,
  untilEnded,
} from '../test-support';
import { persistentProcessors } from '../worker';
import { processPoll } from './poll';

const h = emulatedWorker();

// Short waits between tries after an error: 100 ms doubling to 1 s.
const RETRY = { base: 100, max: 1_000 };

/** A local TCP port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The attempts a queue job has (packages/queues): an outage longer than these used to leave it failed. */
const QUEUE_ATTEMPTS = 8;

// Each state of the emulator's batches lasts 20 ms (`emulatedWorker`'s step); this many times longer keeps a batch
// where it is for the test.
const HELD = 1000;

/** A job whose three inputs are in one batch at the emulator, and that batch's poll job, taken. */
async function batchAtProvider(options: { held?: boolean; pollIntervalS?: number } = {}) {
  if (options.held) h.emulator.setFaults({ slow_factor: HELD });
  const { job } = await insertTestJob(h.sql, { pollIntervalS: options.pollIntervalS ?? 300 });
  const batch = await sendTestBatch(h.sql, h.openai, job, await planTestBatch(h.sql, job));
  await h.queues.enqueuePoll(batch.id);
  return { batch, ...(await h.take('poll')) };
}

/** Runs the processor and says when the queue job was put back to sleep until (it must have been). */
async function pollExpectingSleep(taken: Awaited<ReturnType<typeof batchAtProvider>>) {
  const before = Date.now();
  await expect(processPoll(h.ctx, taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);
  const after = Date.now();
  const until = await h.delayedUntil('poll', taken.job.id!);
  expect(until).not.toBeNull();
  return { before, after, until: until! };
}

describe('processPoll', () => {
  it('hands a batch that already ended over to fetch without asking the provider', async () => {
    const { job } = await insertTestJob(h.sql);
    const submitted = await submittedTestBatch(h.sql, job, 'batch_known_to_have_ended');
    await recordPoll(h.sql, submitted.id, {
      providerStatus: 'completed',
      ended: true,
      outcome: 'completed',
      counts: { total: 3, completed: 3, failed: 0 },
      outputFileId: 'file-out',
      errorFileId: null,
      failures: null,
    });
    const poll = vi.spyOn(h.openai, 'poll');
    await h.queues.enqueuePoll(submitted.id);
    const { job: queueJob, token } = await h.take('poll');

    await processPoll(h.ctx, queueJob, token);

    expect(poll).not.toHaveBeenCalled();
    expect(await h.queues.fetch.getJobState(jobIds.fetch(submitted.id))).toBe('waiting');
  });

  it('does nothing for a batch that is not at the provider yet', async () => {
    const { job } = await insertTestJob(h.sql);
    const planned = await planTestBatch(h.sql, job);
    const poll = vi.spyOn(h.openai, 'poll');
    await h.queues.enqueuePoll(planned.id);
    const { job: queueJob, token } = await h.take('poll');

    await processPoll(h.ctx, queueJob, token);

    expect(poll).not.toHaveBeenCalled();
    expect(await getBatch(h.sql, planned.id)).toEqual(planned);
    expect(await h.queues.fetch.getJob(jobIds.fetch(planned.id))).toBeUndefined();
    expect(await h.delayedUntil('poll', queueJob.id!)).toBeNull();
  });

  it('records a running batch and sleeps for the job poll interval', async () => {
    const taken = await batchAtProvider({ held: true, pollIntervalS: 300 });

    const { before, after, until } = await pollExpectingSleep(taken);

    expect(until).toBeGreaterThanOrEqual(before + 300_000);
    expect(until).toBeLessThanOrEqual(after + 300_000);
    const batch = await getBatch(h.sql, taken.batch.id);
    expect(batch).toMatchObject({
      state: 'submitted',
      provider_status: 'validating',
      counts: { total: 0, completed: 0, failed: 0 },
      outcome: null,
      ended_at: null,
    });
    expect(batch?.status_changed_at).not.toBeNull();
    expect(await h.queues.fetch.getJob(jobIds.fetch(taken.batch.id))).toBeUndefined();
  });

  it('sends the cancel of a cancelled job once, then looks again soon rather than after the poll interval', async () => {
    const taken = await batchAtProvider({ held: true, pollIntervalS: 300 });
    const outcome = await requestCancel(h.sql, taken.batch.job_id, 'user', h.ctx.priceFor);
    expect(outcome).toMatchObject({ kind: 'cancelling', batchesToWake: [taken.batch.id] });
    const cancel = vi.spyOn(h.openai, 'cancel');

    const first = await pollExpectingSleep(taken);

    expect(cancel).toHaveBeenCalledTimes(1);
    expect(cancel).toHaveBeenCalledWith(
      expect.objectContaining({ providerBatchId: taken.batch.provider_batch_id }),
    );
    const cancelling = await getBatch(h.sql, taken.batch.id);
    expect(cancelling?.cancel_sent_at).not.toBeNull();
    expect(cancelling?.provider_status).toBe('cancelling');
    expect(first.until).toBeGreaterThanOrEqual(first.before + 1_000);
    expect(first.until).toBeLessThanOrEqual(first.after + 1_000);

    // The next poll of the same batch: the cancel went out already.
    await taken.job.promote();
    const again = await h.take('poll');
    const second = await pollExpectingSleep({ ...taken, ...again });

    expect(cancel).toHaveBeenCalledTimes(1);
    expect((await getBatch(h.sql, taken.batch.id))?.cancel_sent_at).toEqual(cancelling?.cancel_sent_at);
    expect(second.until).toBeLessThanOrEqual(second.after + 1_000);
    expect(h.logs.withMessage('batch cancel sent').filter((l) => l.batchId === taken.batch.id)).toHaveLength(
      1,
    );
  });

  it('looks again soon when a provider callback for the batch came while it was asking, not after the interval', async () => {
    const taken = await batchAtProvider({ held: true, pollIntervalS: 300 });
    const ask = h.openai.poll.bind(h.openai);
    // The callback lands while the provider is being asked: its wake-up finds this poll running and does nothing.
    vi.spyOn(h.openai, 'poll').mockImplementationOnce(async (ref) => {
      const seen = await ask(ref);
      const outcome = await recordProviderCallback(
        h.sql,
        {
          provider: 'openai',
          webhookId: 'wh_during_poll',
          eventType: 'batch.completed',
          providerBatchIds: [ref.providerBatchId],
        },
        async () => {},
      );
      expect(outcome).toBe('woken');
      return seen;
    });

    const { before, after, until } = await pollExpectingSleep(taken);

    expect(until).toBeGreaterThanOrEqual(before + 1_000);
    expect(until).toBeLessThanOrEqual(after + 1_000);

    // The next poll, with no callback since it started, sleeps the job's interval again.
    await taken.job.promote();
    const again = await pollExpectingSleep({ ...taken, ...(await h.take('poll')) });
    expect(again.until).toBeGreaterThanOrEqual(again.before + 300_000);
  });

  it('records how a completed batch ended (counts and result files) and queues its fetch', async () => {
    const taken = await batchAtProvider();
    await untilEnded(h.openai, refOf(taken.batch));

    await processPoll(h.ctx, taken.job, taken.token);

    const batch = await getBatch(h.sql, taken.batch.id);
    expect(batch).toMatchObject({
      state: 'ended',
      provider_status: 'completed',
      outcome: 'completed',
      counts: { total: 3, completed: 3, failed: 0 },
      error_file_id: null,
      failures: null,
    });
    expect(batch?.output_file_id).toMatch(/^file-/);
    expect(batch?.ended_at).not.toBeNull();
    expect(await h.queues.fetch.getJobState(jobIds.fetch(taken.batch.id))).toBe('waiting');
    expect(await h.delayedUntil('poll', taken.job.id!)).toBeNull();
  });

  it('records why the provider failed a batch and queues its fetch', async () => {
    h.emulator.setFaults({ fail_validation: { times: 1 } });
    const taken = await batchAtProvider();
    await untilEnded(h.openai, refOf(taken.batch));

    await processPoll(h.ctx, taken.job, taken.token);

    expect(await getBatch(h.sql, taken.batch.id)).toMatchObject({
      state: 'ended',
      provider_status: 'failed',
      outcome: 'failed',
      output_file_id: null,
      failures: [
        {
          code: 'validation_failed',
          message: 'The input file failed validation (injected fault).',
          line: null,
        },
      ],
    });
    expect(await h.queues.fetch.getJobState(jobIds.fetch(taken.batch.id))).toBe('waiting');
  });
});

describe('processPoll as the worker runs it (keepTrying)', () => {
  // A database and queues for each test: these take whatever poll job is due, and run queue workers.
  const h = emulatedWorker({
    env: { TRANSIENT_RETRY_BASE_MS: String(RETRY.base), TRANSIENT_RETRY_MAX_MS: String(RETRY.max) },
    harnessPerTest: true,
  });

  /** The job's batch at the emulator, its poll queued, and the poll processor as the worker wraps it. */
  async function polledBatch() {
    const { job, customIds } = await insertTestJob(h.sql);
    const batch = await sendTestBatch(h.sql, h.openai, job, await planTestBatch(h.sql, job));
    await h.queues.enqueuePoll(batch.id);
    return { job, customIds, batch, poll: persistentProcessors(h.ctx).poll };
  }

  it('waits out a provider answering 503 to everything for longer than the queue attempts, then finishes by itself', async () => {
    const { job, customIds, batch, poll } = await polledBatch();
    h.emulator.setFaults({ http: [{ provider: 'openai', status: 503, retry_after_ms: 1, message: 'down' }] });
    let blockedSince: Date | null = null;

    for (let wait = 1; wait <= QUEUE_ATTEMPTS + 2; wait++) {
      const taken = await h.take('poll');
      const before = Date.now();
      await expect(poll(taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);
      const after = Date.now();

      // Back to sleep, an attempt spent on nothing, the wait counted and longer each time up to the cap.
      const sleeping = (await h.queues.poll.getJob(taken.job.id!))!;
      expect(await sleeping.getState()).toBe('delayed');
      expect(sleeping.attemptsMade).toBe(0);
      expect(sleeping.data).toEqual({ batchId: batch.id, [WAITS_KEY]: wait, [BLOCKED_KEY]: true });
      const ceiling = Math.min(RETRY.max, RETRY.base * 2 ** (wait - 1));
      const until = (await h.delayedUntil('poll', taken.job.id!))!;
      expect(until).toBeGreaterThanOrEqual(before + ceiling / 2);
      expect(until).toBeLessThanOrEqual(after + ceiling);
      const blocked = await getJob(h.sql, job.id);
      expect(blocked?.blocked_reason).toMatch(/^polling a batch: openai 503: /);
      blockedSince ??= blocked!.blocked_since;
      expect(blocked?.blocked_since).toEqual(blockedSince);
      await sleeping.promote();
    }
    expect(h.logs.withMessage('waiting out an error before trying again').map((l) => l.waits)).toEqual(
      Array.from({ length: QUEUE_ATTEMPTS + 2 }, (_, i) => i + 1),
    );
    expect(await getBatch(h.sql, batch.id)).toMatchObject({ state: 'submitted' });

    // The outage ends: nobody touches the job, the workers take it from here.
    h.emulator.setFaults({ http: null });
    const workers = startQueueWorkers(h.ctx);
    try {
      const done = await eventually('the job to finish', async () => {
        const row = await getJob(h.sql, job.id);
        return row?.status === 'completed' && row;
      });
      expect(done).toMatchObject({ blocked_reason: null, blocked_since: null });
      const lines = await inputLines(h.sql, job.id);
      expect(customIds.map((id) => lines.get(id)?.state)).toEqual(customIds.map(() => 'succeeded'));
      expect(h.emulator.stats().openai).toMatchObject({ batches: 1 });
    } finally {
      await workers.close();
    }
  });

  it('keeps a batch the provider refuses to show with our key (401), waiting for the key to be fixed', async () => {
    const { job, batch, poll } = await polledBatch();
    const key = h.ctx.env.OPENAI_API_KEY!;
    h.emulator.setFaults({
      http: [{ provider: 'openai', status: 401, message: `Incorrect API key provided: ${key}.` }],
    });
    const taken = await h.take('poll');

    await expect(poll(taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);

    const sleeping = (await h.queues.poll.getJob(taken.job.id!))!;
    expect(await sleeping.getState()).toBe('delayed');
    expect(sleeping.attemptsMade).toBe(0);
    expect(await getBatch(h.sql, batch.id)).toMatchObject({ state: 'submitted' });
    for (const line of (await inputLines(h.sql, job.id)).values()) expect(line.state).toBe('submitted');
    const blocked = await getJob(h.sql, job.id);
    expect(blocked?.blocked_reason).toBe(
      'polling a batch: openai 401: 401 Incorrect API key provided: [redacted].',
    );
    expect(JSON.stringify(h.logs.lines)).not.toContain(key);

    // The key is fixed (here: the provider takes it again): the next look goes through and clears the blocker.
    h.emulator.setFaults({ http: null });
    await sleeping.promote();
    const again = await h.take('poll');
    await poll(again.job, again.token).catch((error: unknown) => {
      if (!(error instanceof DelayedError)) throw error;
    });
    expect(await getJob(h.sql, job.id)).toMatchObject({ blocked_reason: null, blocked_since: null });
  });

  it('waits out Postgres being unreachable, spending no attempt, and goes on once it is back', async () => {
    const { job, batch } = await polledBatch();
    // This worker's database connections fail as they do while Postgres is down (nothing listens on the port).
    const down = connect(`postgres://postgres@127.0.0.1:${await closedPort()}/tranche`, { max: 1 });
    const taken = await h.take('poll');
    try {
      const poll = persistentProcessors({ ...h.ctx, sql: down.sql }).poll;
      await expect(poll(taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);
    } finally {
      await down.close();
    }

    const sleeping = (await h.queues.poll.getJob(taken.job.id!))!;
    expect(await sleeping.getState()).toBe('delayed');
    expect(sleeping.attemptsMade).toBe(0);
    expect(h.logs.withMessage('waiting out an error before trying again').at(-1)).toMatchObject({
      queueJobId: taken.job.id,
      reason: expect.stringMatching(/^polling a batch: .*ECONNREFUSED/),
    });

    await sleeping.promote();
    const again = await h.take('poll');
    // The batch may still run at the provider (the poll is put off again) or have ended by now on a busy machine.
    await persistentProcessors(h.ctx)
      .poll(again.job, again.token)
      .catch((error: unknown) => {
        if (!(error instanceof DelayedError)) throw error;
      });
    expect((await getBatch(h.sql, batch.id))?.provider_status).not.toBeNull();
    expect((await getJob(h.sql, job.id))?.blocked_reason).toBeNull();
  });

  it('leaves an error it cannot judge to the queue attempts, showing only its kind as the blocker', async () => {
    const { job, poll } = await polledBatch();
    // An answer the adapter could not make sense of, quoting what it read.
    vi.spyOn(h.openai, 'poll').mockRejectedValueOnce(
      new SyntaxError('Unexpected token in "some result text"'),
    );
    const taken = await h.take('poll');

    // Thrown on, so that BullMQ spends one of the queue job's attempts on it.
    await expect(poll(taken.job, taken.token)).rejects.toBeInstanceOf(SyntaxError);

    expect((await getJob(h.sql, job.id))?.blocked_reason).toBe(
      'polling a batch: failed with an unexpected SyntaxError (the queue tries again; the worker log says more)',
    );
    expect(await h.delayedUntil('poll', taken.job.id!)).toBeNull();
    await h.complete(taken);
  });

  it('settles once a batch the provider lost (404): its inputs fail with the reason and go out again', async () => {
    const { job, customIds, batch, poll } = await polledBatch();
    const key = h.ctx.env.OPENAI_API_KEY!;
    h.emulator.setFaults({
      http: [
        {
          provider: 'openai',
          method: 'GET',
          path: '^/(v1/)?batches/',
          status: 404,
          times: 1,
          // A provider's text that quotes the caller's key: it reaches no log line.
          message: `No batch found for key ${key}`,
        },
      ],
    });
    const taken = await h.take('poll');

    await poll(taken.job, taken.token);
    expect(JSON.stringify(h.logs.lines)).not.toContain(key);
    await h.complete(taken);

    expect(await getBatch(h.sql, batch.id)).toMatchObject({ state: 'fetched' });
    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds) {
      expect(lines.get(id)).toMatchObject({
        state: 'pending',
        last_error: {
          type: 'server_error',
          code: 'batch_not_found',
          message: `the provider no longer has batch ${batch.provider_batch_id} (it answered 404)`,
          retryable: true,
        },
      });
    }
    // The next round's submit, after the short wait that gathers retries.
    expect(await h.queues.submit.getJobState(jobIds.submit(job.id, 1))).toBe('delayed');
    expect(h.logs.withMessage('the provider lost a batch')).toEqual([
      expect.objectContaining({ batchId: batch.id }),
    ]);

    // A later poll of the same batch (the sweeper, a stalled job) changes nothing.
    await h.queues.enqueuePoll(batch.id);
    const later = await h.take('poll');
    await poll(later.job, later.token);
    expect((await inputLines(h.sql, job.id)).get(customIds[0]!)).toEqual(lines.get(customIds[0]!));
    expect(h.logs.withMessage('the provider lost a batch')).toHaveLength(1);
  });
});
