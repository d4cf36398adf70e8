import { getBatch, recordPoll, requestCancel } from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { DelayedError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import {
  emulatedWorker,
  insertTestJob,
  planTestBatch,
  refOf,
  sendTestBatch,
  submittedTestBatch,
  untilEnded,
} from '../test-support';
import { processPoll } from './poll';

const h = emulatedWorker();

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
