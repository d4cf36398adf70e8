import { PROVIDER_LIMITS, ProviderCallError } from '@tranche/adapters';
import {
  countSubmitAttempt,
  getBatch,
  getJob,
  getJobBatches,
  type JobRow,
  requestCancel,
  withBatchLock,
} from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { describe, expect, it, vi } from 'vitest';
import type { WorkerContext } from '../context';
import {
  createAtProvider,
  emulatedWorker,
  inputLines,
  insertTestJob,
  planTestBatch,
  ScriptedAdapter,
  withAdapters,
} from '../test-support';
import { processSubmit } from './submit';

// Two requests per batch at most: a handful of inputs makes several batches.
const CHUNK_MAX_REQUESTS = 2;

const h = emulatedWorker({ env: { CHUNK_MAX_REQUESTS: String(CHUNK_MAX_REQUESTS) } });

const prompts = (n: number) => Array.from({ length: n }, (_, i) => `Question number ${i}?`);

/** Takes the job's submit off the queue as a worker would and runs the processor on it. */
async function submitJob(job: JobRow, ctx: WorkerContext = h.ctx) {
  await h.queues.enqueueSubmit(job.id, 0);
  const taken = await h.take('submit');
  await processSubmit(ctx, taken.job);
  await h.complete(taken);
}

const sentToEmulator = () => h.emulator.stats().openai ?? { batches: 0, requests: 0, bytes: 0 };

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

  it('fails at once an input larger than one batch of the provider may be, and sends the rest', async () => {
    const provider = new ScriptedAdapter('openai', { ...PROVIDER_LIMITS.openai, maxBytes: 1_000 });
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

  it('drops, unsent, a planned batch whose job was cancelled while another batch was being sent', async () => {
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(4) });
    const send = h.openai.submit.bind(h.openai);
    const submit = vi.spyOn(h.openai, 'submit').mockImplementationOnce(async (request) => {
      // The caller cancels while the first batch goes out. The test holds the second batch's lock meanwhile, as
      // another worker submitting it would, so the cancel leaves that batch to whoever holds it.
      const [, second] = await getJobBatches(h.sql, job.id);
      await withBatchLock(h.sql, second!.id, () => requestCancel(h.sql, job.id, 'user', h.ctx.priceFor));
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
  });

  it('leaves a batch the provider could not take now to the queue, which sends it on its next attempt', async () => {
    // Four 503s outlast the SDK's three retries.
    h.emulator.setFaults({
      http: [
        { provider: 'openai', method: 'POST', path: '^/batches$', status: 503, times: 4, retry_after_ms: 1 },
      ],
    });
    const { job } = await insertTestJob(h.sql, { prompts: prompts(2) });
    await h.queues.enqueueSubmit(job.id, 0);
    const first = await h.take('submit');

    const error = await processSubmit(h.ctx, first.job).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    const [planned] = await getJobBatches(h.sql, job.id);
    expect(planned).toMatchObject({ state: 'planned', submit_attempts: 1 });

    await first.job.moveToFailed(error as Error, first.token);
    expect(await first.job.getState()).toBe('delayed');
    await first.job.promote();
    const second = await h.take('submit');
    await processSubmit(h.ctx, second.job);

    expect(await getBatch(h.sql, planned!.id)).toMatchObject({ state: 'submitted', submit_attempts: 2 });
    expect(sentToEmulator()).toMatchObject({ batches: 1, requests: 2 });
  });

  it('fails at once a job whose provider this worker is not configured for', async () => {
    const { job, customIds } = await insertTestJob(h.sql, {
      provider: 'mistral',
      model: 'mistral-small-latest',
    });

    await submitJob(job);

    expect(await getJob(h.sql, job.id)).toMatchObject({
      status: 'failed',
      error: 'provider mistral is not configured: set MISTRAL_API_KEY',
    });
    const lines = await inputLines(h.sql, job.id);
    for (const id of customIds) {
      expect(lines.get(id)).toMatchObject({
        state: 'failed',
        error: { type: 'invalid_request', code: 'provider_not_configured', retryable: false },
      });
    }
    expect(await getJobBatches(h.sql, job.id)).toEqual([]);
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
