import { AdapterRegistry, createAdapter, DESCRIPTORS, ProviderCallError } from '@tranche/adapters';
import {
  countSubmitAttempt,
  getBatch,
  getJob,
  getJobBatches,
  type JobRow,
  recordSubmitted,
  releaseSubmitLease,
  requestCancel,
  takeSubmitLease,
} from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { DelayedError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import type { WorkerContext } from '../context';
import { BLOCKED_KEY, WAITS_KEY } from '../keep-trying';
import {
  createAtProvider,
  emulatedWorker,
  inputLines,
  insertTestJob,
  planTestBatch,
  ScriptedAdapter,
  withAdapters,
} from '../test-support';
import { persistentProcessors } from '../worker';
import { processSubmit } from './submit';
import { processSubmitBatch } from './submit-batch';

// Two requests per batch at most: a handful of inputs makes several batches.
const CHUNK_MAX_REQUESTS = 2;

const h = emulatedWorker({ env: { CHUNK_MAX_REQUESTS: String(CHUNK_MAX_REQUESTS) } });

const prompts = (n: number) => Array.from({ length: n }, (_, i) => `Question number ${i}?`);

/** Takes the job's submit off the queue as a worker would and runs the processor on it: it plans. */
async function planJob(job: JobRow, ctx: WorkerContext = h.ctx) {
  await h.queues.enqueueSubmit(job.id, 0);
  const taken = await h.take('submit');
  await processSubmit(ctx, taken.job);
  await h.complete(taken);
}

/** Takes the next planned batch's submit off its queue and runs it: what it threw, if anything. */
async function sendNextBatch(ctx: WorkerContext = h.ctx): Promise<unknown> {
  const taken = await h.take('submit-batch');
  const error = await processSubmitBatch(ctx, taken.job, taken.token).catch((e: unknown) => e);
  if (!(error instanceof DelayedError)) await h.complete(taken);
  return error;
}

/** Plans the job, then sends each of its planned batches in turn, as the workers would. */
async function submitJob(job: JobRow, ctx: WorkerContext = h.ctx) {
  await planJob(job, ctx);
  const waiting = await h.queues.submitBatch.getWaitingCount();
  for (let i = 0; i < waiting; i++) {
    const error = await sendNextBatch(ctx);
    if (error) throw error;
  }
}

const sentToEmulator = () => h.emulator.stats().openai ?? { batches: 0, requests: 0, bytes: 0 };

/**
 * One attempt at sending the job's (single) batch, planned first if need be, run as a queue job of its own (a retry
 * of the queue job would run the same processor): what it threw, if anything.
 */
async function attemptSubmit(job: JobRow, _attempt: number, ctx: WorkerContext = h.ctx): Promise<unknown> {
  await h.queues.enqueueSubmit(job.id, 0);
  const planning = await h.take('submit');
  await processSubmit(ctx, planning.job);
  await h.complete(planning);
  return sendNextBatch(ctx);
}

describe('processSubmit', () => {
  it('plans the pending inputs into batches within the caps, sends each once and polls each later', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(5), pollIntervalS: 300 });

    await submitJob(job);

    const batches = await getJobBatches(h.sql, job.id);
    expect(batches.map((b) => [b.chunk_key, b.state, b.request_count])).toEqual([
      [`${job.id}_r0_c0`, 'submitted', 2],
      [`${job.id}_r0_c1`, 'submitted', 2],
      [`${job.id}_r0_c2`, 'submitted', 1],
    ]);
    expect(sentToEmulator()).toMatchObject({ batches: 3, requests: 5 });
    for (const batch of batches) {
      expect(batch.provider_batch_id).toMatch(/^batch_/);
      expect(batch.submit_attempts).toBe(1);
      expect(await h.queues.poll.getJobState(jobIds.poll(batch.id))).toBe('delayed');
    }
    for (const line of (await inputLines(h.sql, job.id)).values()) expect(line.state).toBe('submitted');
    expect((await getJob(h.sql, job.id))?.status).toBe('running');
  });

  it('gives each planned batch a queue job of its own, so that several workers send the chunks of one job at once', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(5), pollIntervalS: 300 });

    await planJob(job);

    const batches = await getJobBatches(h.sql, job.id);
    expect(batches.map((b) => b.state)).toEqual(['planned', 'planned', 'planned']);
    const queued = await h.queues.submitBatch.getJobs(['waiting']);
    expect(queued.map((q) => q.id).sort()).toEqual(batches.map((b) => jobIds.submitBatch(b.id)).sort());
    // Three workers, each with one chunk of the job in hand, send at the same time.
    const taken = [await h.take('submit-batch'), await h.take('submit-batch'), await h.take('submit-batch')];
    await Promise.all(taken.map((t) => processSubmitBatch(h.ctx, t.job, t.token)));
    for (const t of taken) await h.complete(t);

    expect(sentToEmulator()).toMatchObject({ batches: 3, requests: 5 });
    for (const batch of await getJobBatches(h.sql, job.id)) {
      expect(batch).toMatchObject({ state: 'submitted', submit_attempts: 1, submit_lease_owner: null });
    }
    expect((await getJob(h.sql, job.id))?.status).toBe('running');
  });

  it('plans each input once when two plannings of a job run at the same time', async () => {
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(5) });
    await h.queues.enqueueSubmit(job.id, 0);
    await h.queues.enqueueSubmit(job.id, 1);
    const both = [await h.take('submit'), await h.take('submit')];

    await Promise.all(both.map((taken) => processSubmit(h.ctx, taken.job)));
    for (const taken of both) await h.complete(taken);

    const batches = await getJobBatches(h.sql, job.id);
    expect(batches.reduce((sum, b) => sum + b.request_count, 0)).toBe(5);
    expect(new Set(batches.map((b) => b.chunk_key)).size).toBe(batches.length);
    const held = await h.sql<{ batch_id: string; n: number }[]>`
      select batch_id, count(*)::int as n from inputs where job_id = ${job.id} group by batch_id`;
    expect(Object.fromEntries(held.map((r) => [r.batch_id, r.n]))).toEqual(
      Object.fromEntries(batches.map((b) => [b.id, b.request_count])),
    );
    const attempts = await h.sql<
      { attempts: number }[]
    >`select attempts from inputs where job_id = ${job.id}`;
    expect(attempts.map((a) => a.attempts)).toEqual(customIds.map(() => 1));
    // Each planned batch has its queue job; sent, they carry every input once.
    for (let i = await h.queues.submitBatch.getWaitingCount(); i > 0; i--)
      expect(await sendNextBatch()).toBeUndefined();
    expect(sentToEmulator()).toMatchObject({ batches: batches.length, requests: 5 });
  });

  it('leaves a batch another worker is sending to that worker, and looks again once its claim runs out', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    await planJob(job);
    const [planned] = await getJobBatches(h.sql, job.id);
    const claim = await takeSubmitLease(h.sql, planned!.id, 'another worker', 60_000);
    if (claim.kind !== 'taken') throw new Error(`the claim was not taken: ${claim.kind}`);
    const taken = await h.take('submit-batch');

    const error = await processSubmitBatch(h.ctx, taken.job, taken.token).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DelayedError);
    const due = await h.delayedUntil('submit-batch', taken.job.id!);
    expect(due).toBeGreaterThan(claim.batch.submit_lease_until!.getTime());
    expect(sentToEmulator()).toMatchObject({ batches: 0 });
    expect(await getBatch(h.sql, planned!.id)).toMatchObject({ state: 'planned', submit_attempts: 0 });

    // That worker dies before it counted an attempt: its claim runs out, and the batch is sent once.
    await h.sql`update provider_batches set submit_lease_until = now() - interval '1 second' where id = ${planned!.id}`;
    await (await h.queues.submitBatch.getJob(taken.job.id!))!.promote();
    expect(await sendNextBatch()).toBeUndefined();

    expect(await getBatch(h.sql, planned!.id)).toMatchObject({
      state: 'submitted',
      submit_attempts: 1,
      submit_lease_owner: null,
      submit_lease_until: null,
    });
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
  });

  it('takes over a batch whose worker died while sending it, and adopts the batch that worker made', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    const planned = await planTestBatch(h.sql, job);
    // The dead worker claimed the batch, counted its attempt and reached the provider; its claim then ran out.
    expect(await takeSubmitLease(h.sql, planned.id, 'dead worker', 60_000)).toMatchObject({ kind: 'taken' });
    await countSubmitAttempt(h.sql, planned.id);
    const created = await createAtProvider(h.sql, h.openai, job, planned);
    await h.sql`update provider_batches set submit_lease_until = now() - interval '1 second' where id = ${planned.id}`;
    const submit = vi.spyOn(h.openai, 'submit');

    await submitJob(job);

    expect(submit).not.toHaveBeenCalled();
    expect(await getBatch(h.sql, planned.id)).toMatchObject({
      state: 'submitted',
      provider_batch_id: created.providerBatchId,
      submit_attempts: 2,
      submit_lease_owner: null,
    });
    expect(sentToEmulator()).toMatchObject({ batches: 1 });
  });

  it('fails at once an input larger than one batch of the provider may be, and sends the rest', async () => {
    const provider = new ScriptedAdapter('openai', { ...DESCRIPTORS.openai.limits, maxBytes: 1_000 });
    const { job, customIds } = await insertTestJob(h.sql, { prompts: ['Short?', 'x'.repeat(2_000)] });

    await submitJob(job, withAdapters(h.ctx, { openai: provider }));

    const lines = await inputLines(h.sql, job.id);
    expect(lines.get(customIds[1]!)).toMatchObject({
      state: 'failed',
      error: {
        type: 'invalid_request',
        code: 'request_too_large',
        message: 'the request is larger than one openai batch may be (1000 bytes)',
        retryable: false,
      },
    });
    expect(lines.get(customIds[0]!)?.state).toBe('submitted');
    expect(provider.callsTo('submit')).toEqual([expect.objectContaining({ requestCount: 1 })]);
  });

  it('fails with that reason the inputs left under a provider minimum, sending only batches that reach it', async () => {
    // A retry round of three inputs on a provider that runs batches of at least five requests.
    const provider = new ScriptedAdapter('openai', { ...DESCRIPTORS.openai.limits, minRequests: 5 });
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(3) });

    await submitJob(job, withAdapters(h.ctx, { openai: provider }));

    expect(provider.callsTo('submit')).toEqual([]);
    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds) {
      expect(lines.get(id)).toMatchObject({
        state: 'failed',
        error: {
          type: 'invalid_request',
          code: 'below_batch_minimum',
          message: 'openai runs batches of at least 5 requests; only 3 were left to send together',
          retryable: false,
        },
      });
    }
    expect((await getJob(h.sql, job.id))?.status).toBe('failed');
  });

  it('plans every batch at the provider minimum or more, the short last one sharing with the one before it', async () => {
    const provider = new ScriptedAdapter('openai', { ...DESCRIPTORS.openai.limits, minRequests: 3 });
    const { job } = await insertTestJob(h.sql, { prompts: prompts(7) });

    const ctx = { ...h.ctx, env: { ...h.ctx.env, CHUNK_MAX_REQUESTS: 5 } };
    await submitJob(job, withAdapters(ctx, { openai: provider }));

    const counts = provider.callsTo('submit').map((call) => (call as { requestCount: number }).requestCount);
    expect(counts.sort()).toEqual([3, 4]);
  });

  it("logs the provider's warning on a batch it accepted, and goes on", async () => {
    const provider = new ScriptedAdapter('openai');
    provider.submitWarning = 'completion_window 48h is not supported; the batch runs with 24h.';
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });

    await submitJob(job, withAdapters(h.ctx, { openai: provider }));

    const [submitted] = provider.callsTo('submit');
    expect(submitted).toBeDefined();
    expect(h.logs.withMessage('the provider accepted the batch with a warning')).toEqual([
      expect.objectContaining({ jobId: job.id, warning: provider.submitWarning }),
    ]);
    expect((await getJobBatches(h.sql, job.id))[0]?.state).toBe('submitted');
  });

  it('drops, unsent, a planned batch whose job was cancelled while another batch was being sent', async () => {
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(4) });
    const send = h.openai.submit.bind(h.openai);
    const submit = vi.spyOn(h.openai, 'submit').mockImplementationOnce(async (request) => {
      // The caller cancels while the first batch goes out. The test holds the second batch's claim meanwhile, as
      // another worker sending it would, so the cancel leaves that batch to whoever holds it.
      const [, second] = await getJobBatches(h.sql, job.id);
      expect(await takeSubmitLease(h.sql, second!.id, 'another worker', 60_000)).toMatchObject({
        kind: 'taken',
      });
      await requestCancel(h.sql, job.id, 'user', h.ctx.priceFor);
      await releaseSubmitLease(h.sql, second!.id, 'another worker');
      return send(request);
    });

    await submitJob(job);

    expect(submit).toHaveBeenCalledTimes(1);
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
    const [first, second] = await getJobBatches(h.sql, job.id);
    expect(first?.state).toBe('submitted');
    expect(second).toMatchObject({ state: 'fetched', provider_batch_id: null });
    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds.slice(2)) {
      expect(lines.get(id)).toMatchObject({
        state: 'failed',
        error: {
          type: 'cancelled',
          code: 'cancelled',
          message: 'the job was cancelled before this request was sent',
          retryable: false,
        },
      });
    }
    expect((await getJob(h.sql, job.id))?.status).toBe('cancelling');
  });

  it('adopts, on a second attempt, the batch a first attempt created before it died, sending nothing twice', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    const planned = await planTestBatch(h.sql, job);
    // The first attempt counted itself, reached the provider, and died before recording anything.
    await countSubmitAttempt(h.sql, planned.id);
    const created = await createAtProvider(h.sql, h.openai, job, planned);
    const submit = vi.spyOn(h.openai, 'submit');

    await submitJob(job);

    expect(submit).not.toHaveBeenCalled();
    expect(sentToEmulator()).toMatchObject({ batches: 1 });
    expect(await getBatch(h.sql, planned.id)).toMatchObject({
      state: 'submitted',
      provider_batch_id: created.providerBatchId,
      submit_attempts: 2,
    });
    expect(h.logs.withMessage('adopted a batch created before a crash')).toContainEqual(
      expect.objectContaining({ batchId: planned.id, providerBatchId: created.providerBatchId }),
    );
  });

  it('sends the batch on a second attempt when the first never reached the provider', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    const planned = await planTestBatch(h.sql, job);
    await countSubmitAttempt(h.sql, planned.id);
    const findExisting = vi.spyOn(h.openai, 'findExisting');

    await submitJob(job);

    expect(findExisting).toHaveBeenCalledWith(expect.objectContaining({ chunkKey: planned.chunk_key }));
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
    expect((await getBatch(h.sql, planned.id))?.state).toBe('submitted');
  });

  it('fails the inputs of a batch the provider refused for good, and goes on with the next batch', async () => {
    h.emulator.setFaults({
      http: [
        { provider: 'openai', method: 'POST', path: '^/batches$', status: 400, times: 1, message: 'no' },
      ],
    });
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(4) });

    await submitJob(job);

    const [refused, sent] = await getJobBatches(h.sql, job.id);
    expect(refused).toMatchObject({ state: 'fetched', provider_batch_id: null });
    expect(sent).toMatchObject({ state: 'submitted' });
    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds.slice(0, 2)) {
      expect(lines.get(id)).toMatchObject({
        state: 'failed',
        error: { type: 'invalid_request', code: '400', retryable: false },
      });
    }
    expect(lines.get(customIds[0]!)?.error?.message).toMatch(/^openai 400: /);
    expect((await getJob(h.sql, job.id))?.status).toBe('running');
    // The job's view says why, as the provider said it.
    expect((await getJob(h.sql, job.id))?.error).toBe(lines.get(customIds[0]!)?.error?.message);
  });

  it('fails the inputs of a batch refused for our key (401), saying why without the key', async () => {
    const key = h.ctx.env.OPENAI_API_KEY!;
    h.emulator.setFaults({
      http: [{ provider: 'openai', status: 401, times: 1, message: `Incorrect API key provided: ${key}.` }],
    });
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(2) });

    await submitJob(job);

    const failed = await getJob(h.sql, job.id);
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'openai 401: 401 Incorrect API key provided: [redacted].',
      blocked_reason: null,
    });
    const lines = await inputLines(h.sql, job.id);
    expect(lines.get(customIds[0]!)?.error).toMatchObject({ code: '401', message: failed?.error });
    expect(JSON.stringify(h.logs.lines)).not.toContain(key);
  });

  it('leaves a batch the provider could not take now to the queue, which sends it on its next attempt', async () => {
    // The SDK makes a create call once (a second could make a second batch): one 503 fails the attempt.
    h.emulator.setFaults({
      http: [
        { provider: 'openai', method: 'POST', path: '^/batches$', status: 503, times: 1, retry_after_ms: 1 },
      ],
    });
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    await planJob(job);
    const first = await h.take('submit-batch');

    const error = await processSubmitBatch(h.ctx, first.job, first.token).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    const [planned] = await getJobBatches(h.sql, job.id);
    // The claim is let go of with the attempt: the next one need not wait for it to run out.
    expect(planned).toMatchObject({ state: 'planned', submit_attempts: 1, submit_lease_owner: null });

    await first.job.moveToFailed(error as Error, first.token);
    expect(await first.job.getState()).toBe('delayed');
    await first.job.promote();
    const second = await h.take('submit-batch');
    await processSubmitBatch(h.ctx, second.job, second.token);

    expect(await getBatch(h.sql, planned!.id)).toMatchObject({ state: 'submitted', submit_attempts: 2 });
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
  });

  it('sends nothing for a job cancelled before its submit ran', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    await requestCancel(h.sql, job.id, 'user', h.ctx.priceFor);

    await submitJob(job);

    expect(await getJobBatches(h.sql, job.id)).toEqual([]);
    expect(sentToEmulator()).toMatchObject({ batches: 0 });
    expect((await getJob(h.sql, job.id))?.status).toBe('cancelled');
  });
});

describe('processSubmit as the worker runs it (keepTrying)', () => {
  // A database and queues for each test: these take whatever submit job is due.
  const h = emulatedWorker({ env: { CHUNK_MAX_REQUESTS: String(CHUNK_MAX_REQUESTS) }, harnessPerTest: true });
  const sentToEmulator = () => h.emulator.stats().openai ?? { batches: 0, requests: 0, bytes: 0 };

  it('leaves a job whose provider this worker has no key for waiting for a worker that has one', async () => {
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    // A worker of the fleet without OPENAI_API_KEY, and one with it (the harness's).
    const keyless = persistentProcessors({ ...h.ctx, adapters: new AdapterRegistry({}) }).submit;
    const keyed = persistentProcessors(h.ctx).submit;
    await h.queues.enqueueSubmit(job.id, 0);

    for (let look = 0; look < 2; look++) {
      const taken = await h.take('submit');
      const before = Date.now();
      await expect(keyless(taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);
      const after = Date.now();
      const until = (await h.delayedUntil('submit', taken.job.id!))!;
      expect(until).toBeGreaterThanOrEqual(before + h.ctx.env.UNCONFIGURED_RETRY_MS);
      expect(until).toBeLessThanOrEqual(after + h.ctx.env.UNCONFIGURED_RETRY_MS);
      const sleeping = (await h.queues.submit.getJob(taken.job.id!))!;
      expect(sleeping.attemptsMade).toBe(0);
      await sleeping.promote();
    }

    // Nothing failed; the job says why it waits, and the worker said so once, not at every look.
    expect(await getJob(h.sql, job.id)).toMatchObject({
      status: 'queued',
      error: null,
      blocked_reason:
        'sending a batch: provider openai is not configured: set OPENAI_API_KEY (waiting for a worker that has it)',
    });
    for (const line of (await inputLines(h.sql, job.id)).values()) expect(line.state).toBe('pending');
    expect(
      h.logs.withMessage('provider not configured on this worker: waiting for a worker that has it'),
    ).toEqual([expect.objectContaining({ provider: 'openai', variable: 'OPENAI_API_KEY' })]);

    const taken = await h.take('submit');
    await keyed(taken.job, taken.token);
    await h.complete(taken);
    const sending = await h.take('submit-batch');
    await persistentProcessors(h.ctx).submitBatch(sending.job, sending.token);
    await h.complete(sending);

    expect(await getJob(h.sql, job.id)).toMatchObject({
      status: 'running',
      blocked_reason: null,
      blocked_since: null,
    });
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
  });

  it('waits out a provider that cannot take the batch now (503), showing why, and sends it once it can', async () => {
    h.emulator.setFaults({
      http: [{ provider: 'openai', method: 'POST', path: '^/files$', status: 503, retry_after_ms: 1 }],
    });
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    const { submit, submitBatch } = persistentProcessors(h.ctx);
    await h.queues.enqueueSubmit(job.id, 0);
    const planning = await h.take('submit');
    await submit(planning.job, planning.token);
    await h.complete(planning);
    const [planned] = await getJobBatches(h.sql, job.id);

    for (let wait = 1; wait <= 3; wait++) {
      const taken = await h.take('submit-batch');
      await expect(submitBatch(taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);
      const sleeping = (await h.queues.submitBatch.getJob(taken.job.id!))!;
      expect(await sleeping.getState()).toBe('delayed');
      expect(sleeping.attemptsMade).toBe(0);
      expect(sleeping.data).toEqual({ batchId: planned!.id, [WAITS_KEY]: wait, [BLOCKED_KEY]: true });
      await sleeping.promote();
    }
    const blocked = await getJob(h.sql, job.id);
    expect(blocked?.blocked_reason).toMatch(/^sending a batch: openai 503: /);
    expect(blocked?.blocked_since).not.toBeNull();

    h.emulator.setFaults({ http: null });
    const taken = await h.take('submit-batch');
    await submitBatch(taken.job, taken.token);
    await h.complete(taken);

    const [batch] = await getJobBatches(h.sql, job.id);
    expect(batch).toMatchObject({ state: 'submitted' });
    expect(await getJob(h.sql, job.id)).toMatchObject({
      status: 'running',
      blocked_reason: null,
      blocked_since: null,
    });
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
  });

  it('shows why a Vertex job cannot go out from a worker without usable Google credentials', async () => {
    // No VERTEX_ACCESS_TOKEN, and Application Default Credentials pointing at nothing (whatever this machine has).
    const adc = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = '/nonexistent/tranche-test-credentials.json';
    try {
      const vertex = new AdapterRegistry({
        GOOGLE_CLOUD_PROJECT: 'tranche-test',
        GOOGLE_CLOUD_LOCATION: 'us-central1',
        VERTEX_GCS_BUCKET: 'tranche-test',
        VERTEX_BASE_URL: `${h.emulator.url}/vertex`,
        GCS_API_ENDPOINT: `${h.emulator.url}/gcs`,
      });
      const { submit, submitBatch } = persistentProcessors({ ...h.ctx, adapters: vertex });
      const { job } = await insertTestJob(h.sql, {
        provider: 'vertex',
        model: 'gemini-2.5-flash',
        prompts: prompts(2),
      });
      await h.queues.enqueueSubmit(job.id, 0);
      const planning = await h.take('submit');
      await submit(planning.job, planning.token);
      await h.complete(planning);
      const taken = await h.take('submit-batch');

      await expect(submitBatch(taken.job, taken.token)).rejects.toBeInstanceOf(DelayedError);

      const blocked = await getJob(h.sql, job.id);
      expect(blocked?.status).toBe('submitting');
      expect(blocked?.blocked_reason).toMatch(/^sending a batch: vertex: .*tranche-test-credentials\.json/);
      const [batch] = await getJobBatches(h.sql, job.id);
      expect(batch).toMatchObject({ state: 'planned', provider_batch_id: null });
    } finally {
      if (adc === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = adc;
    }
  });
});

describe('processSubmit makes at most one provider batch per chunk', () => {
  it('adopts, on the next attempt, the batch a create whose answer was lost made, and sends nothing twice', async () => {
    h.emulator.setFaults({
      drop_response: [{ provider: 'openai', method: 'POST', path: '^/batches$', times: 1 }],
    });
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });

    const lost = await attemptSubmit(job, 0);

    expect(lost).toBeInstanceOf(ProviderCallError);
    expect(lost).toMatchObject({ status: null, retryable: true });
    const [planned] = await getJobBatches(h.sql, job.id);
    expect(planned).toMatchObject({ state: 'planned', submit_attempts: 1, provider_batch_id: null });
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });

    expect(await attemptSubmit(job, 1)).toBeUndefined();

    const adopted = await getBatch(h.sql, planned!.id);
    expect(adopted).toMatchObject({ state: 'submitted', submit_attempts: 2 });
    const made = await h.openai.findExisting({
      chunkKey: planned!.chunk_key,
      createdAfter: planned!.created_at,
      requestCount: 2,
      knownBatchIds: new Set(),
    });
    expect(adopted).toMatchObject({
      provider_batch_id: made?.providerBatchId,
      input_file_id: made?.inputFileId,
    });
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
    expect(h.logs.withMessage('adopted a batch created before a crash')).toContainEqual(
      expect.objectContaining({ batchId: planned!.id, providerBatchId: made?.providerBatchId }),
    );
  });

  it('sends, on the next attempt, the request file a lost upload answer left, without uploading it again', async () => {
    h.emulator.setFaults({
      drop_response: [{ provider: 'openai', method: 'POST', path: '^/files$', times: 1 }],
    });
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });

    expect(await attemptSubmit(job, 0)).toMatchObject({ status: null, retryable: true });
    const uploaded = sentToEmulator().bytes;
    expect(uploaded).toBeGreaterThan(0);
    expect(await attemptSubmit(job, 1)).toBeUndefined();

    const [batch] = await getJobBatches(h.sql, job.id);
    expect(batch).toMatchObject({ state: 'submitted', submit_attempts: 2 });
    expect(sentToEmulator()).toEqual({ batches: 1, requests: 2, bytes: uploaded });
  });

  it('does not adopt a provider batch another chunk holds (a wrong adoption): logs it and sends the chunk itself', async () => {
    // Anthropic batches carry no metadata: one of the same size, made after the chunk was planned, is adopted.
    const anthropic = createAdapter(DESCRIPTORS.anthropic, {
      apiKey: 'test',
      baseURL: `${h.emulator.url}/anthropic`,
    });
    const ctx = withAdapters(h.ctx, { anthropic });
    const model = 'claude-sonnet-4-5';
    const { job: mine } = await insertTestJob(h.sql, { provider: 'anthropic', model, prompts: prompts(2) });
    const { job: theirs } = await insertTestJob(h.sql, { provider: 'anthropic', model, prompts: prompts(2) });
    // This chunk's first attempt died before it reached the provider.
    const planned = await planTestBatch(h.sql, mine);
    await countSubmitAttempt(h.sql, planned.id);
    // Another worker is sending the other job's chunk of the same size: the batch exists, not yet recorded.
    const other = await planTestBatch(h.sql, theirs);
    const sent = await createAtProvider(h.sql, anthropic, theirs, other);
    const findExisting = anthropic.findExisting.bind(anthropic);
    vi.spyOn(anthropic, 'findExisting').mockImplementationOnce(async (query) => {
      const found = await findExisting(query);
      // That worker records its batch while this one is deciding to adopt it.
      await recordSubmitted(h.sql, other.id, sent.providerBatchId, null, sent.bytes);
      return found;
    });

    expect(await attemptSubmit(mine, 1, ctx)).toBeUndefined();

    expect(
      h.logs.withMessage('not adopting a provider batch another chunk holds; sending the chunk itself'),
    ).toEqual([expect.objectContaining({ batchId: planned.id, providerBatchId: sent.providerBatchId })]);
    const own = await getBatch(h.sql, planned.id);
    expect(own).toMatchObject({ state: 'submitted', submit_attempts: 2 });
    expect(own?.provider_batch_id).toMatch(/^msgbatch_/);
    expect(own?.provider_batch_id).not.toBe(sent.providerBatchId);
    expect(await getBatch(h.sql, other.id)).toMatchObject({ provider_batch_id: sent.providerBatchId });
    expect(h.emulator.stats().anthropic).toMatchObject({ batches: 2, requests: 4 });
  });
  it('does not record a batch it just made that another chunk adopted meanwhile: the attempt fails, and the next sends again', async () => {
    const anthropic = createAdapter(DESCRIPTORS.anthropic, {
      apiKey: 'test',
      baseURL: `${h.emulator.url}/anthropic`,
    });
    const ctx = withAdapters(h.ctx, { anthropic });
    const model = 'claude-sonnet-4-5';
    const { job: mine } = await insertTestJob(h.sql, { provider: 'anthropic', model, prompts: prompts(2) });
    const { job: theirs } = await insertTestJob(h.sql, { provider: 'anthropic', model, prompts: prompts(2) });
    // The other chunk's first attempt died before it reached the provider; its second adopts by size.
    const adopter = await planTestBatch(h.sql, theirs);
    await countSubmitAttempt(h.sql, adopter.id);
    const send = anthropic.submit.bind(anthropic);
    vi.spyOn(anthropic, 'submit').mockImplementationOnce(async (request) => {
      const made = await send(request);
      // Another worker adopts the batch just made, before this one records it.
      expect(await attemptSubmit(theirs, 1, ctx)).toBeUndefined();
      return made;
    });

    const error = await attemptSubmit(mine, 0, ctx);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^anthropic batch msgbatch_\S+, just made for chunk \S+, is held by another chunk$/,
    );
    const [planned] = await getJobBatches(h.sql, mine.id);
    expect(planned).toMatchObject({ state: 'planned', provider_batch_id: null, submit_attempts: 1 });
    // The batch this attempt made, which the other chunk now holds.
    const held = (await getBatch(h.sql, adopter.id))?.provider_batch_id;
    expect((error as Error).message).toContain(`batch ${held},`);

    expect(await attemptSubmit(mine, 1, ctx)).toBeUndefined();
    const own = await getBatch(h.sql, planned!.id);
    expect(own).toMatchObject({ state: 'submitted', submit_attempts: 2 });
    expect(own?.provider_batch_id).not.toBe(held);
    expect(h.emulator.stats().anthropic).toMatchObject({ batches: 2, requests: 4 });
  });
});
