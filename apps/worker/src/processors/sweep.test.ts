import {
  applyResults,
  type BatchRow,
  getAlert,
  getBatch,
  getJob,
  type JobRow,
  markBatchFetched,
  recentAlertIds,
} from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  emulatedWorker,
  endedTestBatch,
  inputLines,
  insertTestJob,
  planTestBatch,
  recordEnded,
  submittedTestBatch,
  type TakenJob,
} from '../test-support';
import { processSweep } from './sweep';

// The sweep looks at every job in its database: each test has a database (and queues) of its own.
const h = emulatedWorker({ harnessPerTest: true });

const pastDeadline = () => new Date(Date.now() - 60_000);

/** A batch of the job's inputs (all unless told which) at a provider nobody asks. */
const submittedBatch = (job: JobRow, customIds?: string[]) =>
  submittedTestBatch(h.sql, job, `batch_elsewhere_${job.id}`, customIds);

async function endedBatch(job: JobRow): Promise<BatchRow> {
  const batch = await submittedBatch(job);
  return recordEnded(h.sql, batch.id, {
    phase: 'ended',
    outcome: 'completed',
    providerStatus: 'completed',
    counts: { total: batch.request_count, completed: batch.request_count, failed: 0 },
    outputFileId: 'file-elsewhere',
  });
}

/** Stores a success for every input of the batch and marks it fetched, without ending the job (a worker died). */
async function fetchedBatch(job: JobRow, batch: BatchRow, customIds: string[]) {
  const results = customIds.map((customId) => ({
    customId,
    status: 'succeeded' as const,
    output: { text: 'done' },
  }));
  await applyResults(h.sql, job, batch.id, results, h.ctx.priceFor(job));
  await markBatchFetched(h.sql, batch.id);
}

/** Ends a taken queue job failed for good, as BullMQ does once it ran out of attempts or stalled too often. */
async function endFailed({ job, token }: TakenJob) {
  await job.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), token);
  expect(await job.getState()).toBe('failed');
}

async function alertsOf(jobId: string) {
  const alerts = await Promise.all((await recentAlertIds(h.sql, 3600)).map((id) => getAlert(h.sql, id)));
  return alerts.filter((alert) => alert?.job_id === jobId);
}

describe('processSweep', () => {
  it('queues again the submits, polls and fetches that Postgres says are in flight once Redis lost them', async () => {
    const { job: toSubmit } = await insertTestJob(h.sql);
    const { job: planned } = await insertTestJob(h.sql);
    const toSend = await planTestBatch(h.sql, planned);
    const { job: atProvider } = await insertTestJob(h.sql);
    const toPoll = await submittedBatch(atProvider);
    const { job: ended } = await insertTestJob(h.sql);
    const toFetch = await endedBatch(ended);
    // The work as it was queued, then lost with the rest of Redis.
    await h.queues.enqueueSubmit(toSubmit.id, 0);
    await h.queues.enqueueSubmitBatch(toSend.id);
    await h.queues.enqueuePoll(toPoll.id, 300_000);
    await h.queues.enqueueFetch(toFetch.id);
    expect(await h.deleteQueueKeys()).toBeGreaterThan(0);

    await processSweep(h.ctx);

    expect(await h.queues.submit.getJobState(jobIds.submit(toSubmit.id, 0))).toBe('waiting');
    expect(await h.queues.submitBatch.getJobState(jobIds.submitBatch(toSend.id))).toBe('waiting');
    expect(await h.queues.poll.getJobState(jobIds.poll(toPoll.id))).toBe('waiting');
    expect(await h.queues.fetch.getJobState(jobIds.fetch(toFetch.id))).toBe('waiting');

    // Sweeping again while that work is still queued adds nothing (stable job ids).
    await processSweep(h.ctx);

    expect(await h.queues.submit.getJobs(['waiting'])).toHaveLength(1);
    expect(await h.queues.submitBatch.getJobs(['waiting'])).toHaveLength(1);
    expect(await h.queues.poll.getJobs(['waiting'])).toHaveLength(1);
    expect(await h.queues.fetch.getJobs(['waiting'])).toHaveLength(1);
  });

  it('revives the failed queue jobs of work still in flight, and leaves waiting, active and delayed ones alone', async () => {
    const { job: toSubmit } = await insertTestJob(h.sql);
    const { job: atProvider } = await insertTestJob(h.sql);
    const failedPoll = await submittedTestBatch(h.sql, atProvider, 'batch_failed_poll');
    const { job: sleepingJob } = await insertTestJob(h.sql);
    const sleeping = await submittedTestBatch(h.sql, sleepingJob, 'batch_sleeping');
    const { job: busyJob } = await insertTestJob(h.sql);
    const busy = await recordEnded(h.sql, (await submittedTestBatch(h.sql, busyJob, 'batch_busy')).id, {
      phase: 'ended',
      outcome: 'completed',
      providerStatus: 'completed',
      counts: { total: 3, completed: 3, failed: 0 },
      outputFileId: 'file-busy',
    });
    // The submit and the poll ran out of attempts (stalled too often, an error nobody could judge)...
    await h.queues.enqueueSubmit(toSubmit.id, 0);
    await endFailed(await h.take('submit'));
    await h.queues.enqueuePoll(failedPoll.id);
    await endFailed(await h.take('poll'));
    // ...while another poll sleeps until its next look and a fetch is being worked on.
    await h.queues.enqueuePoll(sleeping.id, 300_000);
    const sleepingDue = await h.delayedUntil('poll', jobIds.poll(sleeping.id));
    await h.queues.enqueueFetch(busy.id);
    const active = await h.take('fetch');

    await processSweep(h.ctx);

    expect(await h.queues.submit.getJobState(jobIds.submit(toSubmit.id, 0))).toBe('waiting');
    const revivedPoll = await h.queues.poll.getJob(jobIds.poll(failedPoll.id));
    expect(await revivedPoll?.getState()).toBe('waiting');
    expect(revivedPoll?.attemptsMade).toBe(0);
    expect(await h.delayedUntil('poll', jobIds.poll(sleeping.id))).toBe(sleepingDue);
    expect(await h.queues.fetch.getJobState(jobIds.fetch(busy.id))).toBe('active');
    expect(h.logs.withMessage('revived a failed queue job for work still in flight')).toEqual([
      expect.objectContaining({ queue: 'submit', jobId: toSubmit.id }),
      expect.objectContaining({ queue: 'poll', batchId: failedPoll.id }),
    ]);
    await h.complete(active);
  });

  it('times out a job past its deadline: what was not sent fails, what is at the provider is woken to be cancelled', async () => {
    const { job, customIds } = await insertTestJob(h.sql, {
      prompts: ['a?', 'b?', 'c?'],
      timeoutAt: pastDeadline(),
    });
    const batch = await submittedBatch(job, customIds.slice(0, 1));
    // Its poll sleeps for the job's poll interval: the cancel cannot wait that long.
    await h.queues.enqueuePoll(batch.id, 300_000);

    await processSweep(h.ctx);

    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'cancelling', cancel_reason: 'timeout' });
    const lines = await inputLines(h.sql, job.id);
    expect(lines.get(customIds[0]!)?.state).toBe('submitted');
    for (const id of customIds.slice(1)) {
      expect(lines.get(id)).toMatchObject({
        state: 'failed',
        error: { type: 'cancelled', code: 'timeout', retryable: false },
      });
    }
    expect(await h.queues.poll.getJobState(jobIds.poll(batch.id))).toBe('waiting');
    expect(await alertsOf(job.id)).toEqual([expect.objectContaining({ kind: 'job_timed_out' })]);

    // A later sweep neither times the job out again nor alerts again.
    await processSweep(h.ctx);
    expect(await alertsOf(job.id)).toHaveLength(1);
    expect(h.logs.withMessage('job timed out: cancelling its batches')).toHaveLength(1);
  });

  it('ends at once, as timed out, a job past its deadline with nothing at the provider, and tells its webhook', async () => {
    const { job } = await insertTestJob(h.sql, {
      timeoutAt: pastDeadline(),
      spec: { options: { webhook_url: 'http://127.0.0.1:9/unused' } },
    });

    await processSweep(h.ctx);

    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'timed_out' });
    expect(await alertsOf(job.id)).toEqual([expect.objectContaining({ kind: 'job_timed_out' })]);
    expect(await h.queues.notify.getJobState(jobIds.notify({ kind: 'job', jobId: job.id }))).toBe('waiting');
  });

  it('finishes a job that has nothing left in flight, and tells its webhook', async () => {
    const { job, customIds } = await insertTestJob(h.sql, {
      spec: { options: { webhook_url: 'http://127.0.0.1:9/unused' } },
    });
    await fetchedBatch(job, await endedBatch(job), customIds);
    expect((await getJob(h.sql, job.id))?.status).toBe('queued');

    await processSweep(h.ctx);

    expect(await getJob(h.sql, job.id)).toMatchObject({ status: 'completed' });
    expect((await getJob(h.sql, job.id))?.finished_at).not.toBeNull();
    expect(await h.queues.notify.getJobState(jobIds.notify({ kind: 'job', jobId: job.id }))).toBe('waiting');
  });

  it('deletes the provider files of a batch once the retention has passed, skipping a provider it lacks', async () => {
    // Fetched first, so the sweep meets the batch of the provider it lacks before the other one.
    const { job: mistralJob, customIds: mistralIds } = await insertTestJob(h.sql, {
      provider: 'mistral',
      model: 'mistral-small-latest',
    });
    const elsewhere = await endedBatch(mistralJob);
    await fetchedBatch(mistralJob, elsewhere, mistralIds);
    const { job, customIds } = await insertTestJob(h.sql);
    const fetched = await endedTestBatch(h.sql, h.openai, job);
    await fetchedBatch(job, fetched, customIds);
    const files = [fetched.input_file_id!, fetched.output_file_id!];
    const fileStatus = (id: string) =>
      fetch(`${h.emulator.openaiBaseUrl}/files/${id}`, { headers: { authorization: 'Bearer sk-test' } }).then(
        (response) => response.status,
      );

    await processSweep({ ...h.ctx, env: { ...h.ctx.env, PROVIDER_FILE_RETENTION_H: 1 } });

    expect((await getBatch(h.sql, fetched.id))?.cleaned_at).toBeNull();
    for (const id of files) expect(await fileStatus(id)).toBe(200);

    await processSweep({ ...h.ctx, env: { ...h.ctx.env, PROVIDER_FILE_RETENTION_H: 0 } });

    expect((await getBatch(h.sql, fetched.id))?.cleaned_at).not.toBeNull();
    for (const id of files) expect(await fileStatus(id)).toBe(404);
    expect((await getBatch(h.sql, elsewhere.id))?.cleaned_at).toBeNull();
  });
});
