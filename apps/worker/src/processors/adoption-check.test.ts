import { type BatchAdapter, type BatchRef, createAdapter, DESCRIPTORS } from '@tranche/adapters';
import {
  type BatchRow,
  batchesToClean,
  countSubmitAttempt,
  getBatch,
  type JobRow,
  requestCancel,
} from '@tranche/db';
import { jobIds } from '@tranche/queues';
import { describe, expect, it } from 'vitest';
import type { WorkerContext } from '../context';
import {
  createAtProvider,
  emulatedWorker,
  inputLines,
  insertTestJob,
  planTestBatch,
  recordEnded,
  refOf,
  untilEnded,
  withAdapters,
} from '../test-support';
import { processFetch } from './fetch';
import { processPoll } from './poll';
import { processSubmit } from './submit';
import { processSubmitBatch } from './submit-batch';

const h = emulatedWorker();
const model = 'claude-sonnet-4-5';

/** The worker's context with the real Anthropic adapter, pointed at the emulator. */
function anthropicWorker(): { anthropic: BatchAdapter; ctx: WorkerContext } {
  const anthropic = createAdapter(DESCRIPTORS.anthropic, {
    apiKey: 'test',
    baseURL: `${h.emulator.url}/anthropic`,
  });
  return { anthropic, ctx: withAdapters(h.ctx, { anthropic }) };
}

async function run(
  queue: 'submit' | 'submit-batch' | 'poll' | 'fetch',
  processor: (ctx: WorkerContext, job: never, token: string) => Promise<void>,
  ctx: WorkerContext,
) {
  const taken = await h.take(queue);
  await processor(ctx, taken.job as never, taken.token);
  await h.complete(taken);
}

/** The chunk's first submit died before it reached Anthropic; its second one runs now (and adopts by size). */
async function secondSubmit(job: JobRow, planned: BatchRow, ctx: WorkerContext): Promise<BatchRow> {
  await countSubmitAttempt(h.sql, planned.id);
  await h.queues.enqueueSubmit(job.id, 1);
  await run('submit', processSubmit, ctx);
  await run('submit-batch', processSubmitBatch, ctx);
  return (await getBatch(h.sql, planned.id))!;
}

/** Waits for the batch to end at the emulator, records that as poll would, and runs the fetch. */
async function fetchWhenEnded(batch: BatchRow, anthropic: BatchAdapter, ctx: WorkerContext) {
  await recordEnded(h.sql, batch.id, await untilEnded(anthropic, refOf(batch)));
  await h.queues.enqueueFetch(batch.id);
  await run('fetch', processFetch, ctx);
}

async function resultIds(anthropic: BatchAdapter, ref: BatchRef, job: JobRow): Promise<string[]> {
  const ids: string[] = [];
  for await (const result of anthropic.fetchResults(ref, { jobId: job.id, model, kind: 'chat' })) {
    ids.push(result.customId);
  }
  return ids.sort();
}

async function storedResults(jobId: string): Promise<number> {
  const [row] = await h.sql<{ n: number }[]>`select count(*)::int as n from results where job_id = ${jobId}`;
  return row!.n;
}

describe('an Anthropic batch adopted by size', () => {
  it("is proven by its results' custom ids at fetch, and its results are stored once", async () => {
    const { anthropic, ctx } = anthropicWorker();
    const { job, customIds } = await insertTestJob(h.sql, {
      provider: 'anthropic',
      model,
      prompts: ['A?', 'B?'],
    });
    const planned = await planTestBatch(h.sql, job);
    // The first attempt made the batch, then died before recording it.
    const made = await createAtProvider(h.sql, anthropic, job, planned);

    const adopted = await secondSubmit(job, planned, ctx);
    expect(adopted).toMatchObject({
      state: 'submitted',
      provider_batch_id: made.providerBatchId,
      adoption_unverified: true,
    });

    await fetchWhenEnded(adopted, anthropic, ctx);

    expect(await getBatch(h.sql, planned.id)).toMatchObject({
      state: 'fetched',
      provider_batch_id: made.providerBatchId,
      adoption_unverified: false,
    });
    expect(h.logs.withMessage("an adopted batch's results are the chunk's: adoption verified")).toEqual([
      expect.objectContaining({ batchId: planned.id, providerBatchId: made.providerBatchId }),
    ]);
    const lines = await inputLines(h.sql, job.id);
    expect(customIds.map((id) => lines.get(id)?.state)).toEqual(['succeeded', 'succeeded']);
    expect(await storedResults(job.id)).toBe(2);
    expect(h.emulator.stats().anthropic).toMatchObject({ batches: 1, requests: 2 });
  });

  it('that holds other requests is let go at fetch: nothing of it is stored, cancelled or deleted, and the chunk is sent itself', async () => {
    const { anthropic, ctx } = anthropicWorker();
    const { job: mine, customIds } = await insertTestJob(h.sql, {
      provider: 'anthropic',
      model,
      prompts: ['Mine one?', 'Mine two?'],
    });
    const { job: theirs, customIds: theirIds } = await insertTestJob(h.sql, {
      provider: 'anthropic',
      model,
      prompts: ['Theirs one?', 'Theirs two?'],
    });
    const planned = await planTestBatch(h.sql, mine);
    // Someone else's batch of the same size, made after this chunk was planned and recorded nowhere in Tranche.
    const foreign = await createAtProvider(h.sql, anthropic, theirs, await planTestBatch(h.sql, theirs));
    const foreignRef = { providerBatchId: foreign.providerBatchId };

    const adopted = await secondSubmit(mine, planned, ctx);
    expect(adopted).toMatchObject({ provider_batch_id: foreign.providerBatchId, adoption_unverified: true });

    await fetchWhenEnded(adopted, anthropic, ctx);

    expect(
      h.logs.withMessage(
        "undid a wrong adoption: the batch adopted by size does not hold the chunk's requests; sending the chunk itself",
      ),
    ).toEqual([
      expect.objectContaining({
        batchId: planned.id,
        providerBatchId: foreign.providerBatchId,
        missing: 2,
        unexpected: 2,
      }),
    ]);
    expect(await getBatch(h.sql, planned.id)).toMatchObject({
      state: 'planned',
      provider_batch_id: null,
      adoption_unverified: false,
      submit_attempts: 0,
    });
    expect(await storedResults(mine.id)).toBe(0);
    expect(await storedResults(theirs.id)).toBe(0);
    expect(await h.queues.submitBatch.getJobState(jobIds.submitBatch(planned.id))).toBe('waiting');

    // The queued send sends the chunk itself, and its own results land.
    await run('submit-batch', processSubmitBatch, ctx);
    const resent = (await getBatch(h.sql, planned.id))!;
    expect(resent).toMatchObject({ state: 'submitted', adoption_unverified: false, submit_attempts: 1 });
    expect(resent.provider_batch_id).toMatch(/^msgbatch_/);
    expect(resent.provider_batch_id).not.toBe(foreign.providerBatchId);
    await fetchWhenEnded(resent, anthropic, ctx);
    expect(await getBatch(h.sql, planned.id)).toMatchObject({ state: 'fetched' });
    const lines = await inputLines(h.sql, mine.id);
    expect(customIds.map((id) => lines.get(id)?.state)).toEqual(['succeeded', 'succeeded']);
    expect(await storedResults(mine.id)).toBe(2);
    expect(await storedResults(theirs.id)).toBe(0);
    expect(h.emulator.stats().anthropic).toMatchObject({ batches: 2, requests: 4 });

    // The other batch ran to its end untouched, and is still there with its own results.
    expect(await anthropic.poll(foreignRef)).toMatchObject({ phase: 'ended', outcome: 'completed' });
    expect(await resultIds(anthropic, foreignRef, theirs)).toEqual([...theirIds].sort());
  });

  it('is not cancelled at the provider when its job is cancelled before it was proven, nor ever deleted', async () => {
    const { anthropic, ctx } = anthropicWorker();
    const { job, customIds } = await insertTestJob(h.sql, {
      provider: 'anthropic',
      model,
      prompts: ['Cancel one?', 'Cancel two?'],
    });
    const planned = await planTestBatch(h.sql, job);
    const made = await createAtProvider(h.sql, anthropic, job, planned);
    const adopted = await secondSubmit(job, planned, ctx);
    expect(adopted).toMatchObject({ provider_batch_id: made.providerBatchId, adoption_unverified: true });

    expect(await requestCancel(h.sql, job.id, 'user', h.ctx.priceFor)).toMatchObject({ kind: 'cancelling' });
    await h.queues.pollNow(planned.id);
    await run('poll', processPoll, ctx);

    expect(
      h.logs.withMessage(
        'not cancelling a batch adopted by size only: its inputs are settled here as cancelled',
      ),
    ).toEqual([expect.objectContaining({ batchId: planned.id, providerBatchId: made.providerBatchId })]);
    expect(await getBatch(h.sql, planned.id)).toMatchObject({
      state: 'fetched',
      cancel_sent_at: null,
      adoption_unverified: true,
    });
    const lines = await inputLines(h.sql, job.id);
    expect(customIds.map((id) => lines.get(id)?.state)).toEqual(['failed', 'failed']);
    expect(await storedResults(job.id)).toBe(2);
    // The batch runs on at the provider, uncancelled, and the sweep's cleanup never picks it.
    expect(await untilEnded(anthropic, { providerBatchId: made.providerBatchId })).toMatchObject({
      outcome: 'completed',
    });
    await h.sql`update provider_batches set fetched_at = now() - interval '30 days' where id = ${planned.id}`;
    expect((await batchesToClean(h.sql, 1)).map((b) => b.id)).not.toContain(planned.id);
  });
});
