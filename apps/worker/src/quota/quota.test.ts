import { type BatchRow, countWaitingForQuota, getJob, getJobBatches, type JobRow } from '@tranche/db';
import { APPROX_BYTES_PER_TOKEN } from '@tranche/pricing';
import { describe, expect, it } from 'vitest';
import type { WorkerContext } from '../context';
import { emulatedWorker, eventually, inputLines, insertTestJob, startQueueWorkers } from '../test-support';
import { providerQuotasSchema } from './quota-book';

// Two requests per batch; a chunk that waits looks again every 200 ms by itself.
const h = emulatedWorker({
  env: { CHUNK_MAX_REQUESTS: '2', QUOTA_RECHECK_MS: '200' },
  harnessPerTest: true,
});

const prompts = (n: number) => Array.from({ length: n }, (_, i) => `Question number ${i}?`);

/** What Tranche estimates a chunk of these prompts to hold: their requests' bytes over APPROX_BYTES_PER_TOKEN. */
const estimatedTokens = (texts: string[]) =>
  texts.reduce((sum, content) => {
    const bytes = Buffer.byteLength(JSON.stringify({ messages: [{ role: 'user', content }] }));
    return sum + Math.ceil(bytes / APPROX_BYTES_PER_TOKEN);
  }, 0);

/** The emulator's count of a chunk of two of these prompts: a quarter of their bytes, each rounded up. */
const EMULATED_TOKENS_OF_A_CHUNK = 2 * Math.ceil(Buffer.byteLength('Question number 0?') / 4);

function withQuotas(quotas: Record<string, unknown>, env: Partial<WorkerContext['env']> = {}): WorkerContext {
  return {
    ...h.ctx,
    env: { ...h.ctx.env, ...env, PROVIDER_QUOTAS: providerQuotasSchema.parse(JSON.stringify(quotas)) },
  };
}

/** Works the queues with `ctx` until the job ends; returns its batches, oldest first. */
async function runToTheEnd(job: JobRow, ctx: WorkerContext, whileRunning?: () => Promise<void>) {
  const workers = startQueueWorkers(ctx);
  try {
    await h.queues.enqueueSubmit(job.id, 0);
    await whileRunning?.();
    await eventually(
      `job ${job.id} to complete`,
      async () => (await getJob(h.sql, job.id))?.status === 'completed',
      60_000,
    );
  } finally {
    await workers.close();
  }
  const batches = await getJobBatches(h.sql, job.id);
  return batches.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
}

/** Each batch the provider ran began after the one before it had ended: never two at the provider at once. */
function expectOneAtATime(batches: BatchRow[]) {
  const ran = batches
    .filter((b) => b.outcome === 'completed')
    .sort((a, b) => a.submitted_at!.getTime() - b.submitted_at!.getTime());
  for (let i = 1; i < ran.length; i++) {
    expect(ran[i]!.submitted_at!.getTime()).toBeGreaterThanOrEqual(ran[i - 1]!.ended_at!.getTime());
  }
}

async function expectAllSucceededOnFirstAttempt(jobId: string, customIds: string[]) {
  const lines = await inputLines(h.sql, jobId);
  expect(customIds.map((id) => lines.get(id)?.state)).toEqual(customIds.map(() => 'succeeded'));
  const attempts = await h.sql<{ attempts: number }[]>`select attempts from inputs where job_id = ${jobId}`;
  expect(attempts.map((a) => a.attempts)).toEqual(customIds.map(() => 1));
}

describe('provider quotas', () => {
  it('plans chunks no bigger than the token budget of their model', async () => {
    const texts = prompts(6);
    const { job } = await insertTestJob(h.sql, { prompts: texts });
    const budget = estimatedTokens(texts.slice(0, 1)) + 1;
    const ctx = withQuotas({ 'openai/gpt-4o-mini': { tokens: budget } });
    const { processSubmit } = await import('../processors/submit');
    await h.queues.enqueueSubmit(job.id, 0);
    const taken = await h.take('submit');
    await processSubmit(ctx, taken.job);
    await h.complete(taken);

    const batches = await getJobBatches(h.sql, job.id);
    expect(batches.map((b) => b.request_count)).toEqual([1, 1, 1, 1, 1, 1]);
    for (const batch of batches) expect(Number(batch.estimated_tokens)).toBeLessThanOrEqual(budget);
  });

  it('holds chunks back while their quota is full, and sends each as room frees, never over it', async () => {
    const texts = prompts(6);
    const { job, customIds } = await insertTestJob(h.sql, { prompts: texts, pollIntervalS: 0.05 });
    // Room for one chunk at a time, at Tranche and at the provider: a second one there at once would be refused.
    const ctx = withQuotas({ 'openai/gpt-4o-mini': { tokens: estimatedTokens(texts.slice(0, 2)) } });
    h.emulator.setFaults({
      openai_enqueued_token_limit: { tokens: EMULATED_TOKENS_OF_A_CHUNK },
      slow_factor: 10,
    });

    const batches = await runToTheEnd(job, ctx, async () => {
      await eventually(
        'two chunks to wait for quota',
        async () => (await countWaitingForQuota(h.sql, job.id)) === 2,
      );
      const waiting = (await getJobBatches(h.sql, job.id)).filter((b) => b.waiting_for_quota_since);
      expect(waiting.map((b) => b.state)).toEqual(['planned', 'planned']);
    });

    expect(batches.map((b) => [b.state, b.outcome])).toEqual([
      ['fetched', 'completed'],
      ['fetched', 'completed'],
      ['fetched', 'completed'],
    ]);
    expectOneAtATime(batches);
    expect(batches.every((b) => b.waiting_for_quota_since === null)).toBe(true);
    expect(h.emulator.stats().openai).toMatchObject({ batches: 3, requests: 6 });
    await expectAllSucceededOnFirstAttempt(job.id, customIds);
    expect(h.logs.withMessage('a chunk waits for room in its provider quota')).toHaveLength(2);
  });

  it('sends again a batch the provider failed for its queue being full (token_limit_exceeded), failing none of its requests', async () => {
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(6), pollIntervalS: 0.05 });
    // No budget at Tranche: the provider holds one chunk at a time and refuses the others.
    h.emulator.setFaults({
      openai_enqueued_token_limit: { tokens: EMULATED_TOKENS_OF_A_CHUNK },
      slow_factor: 10,
    });

    const batches = await runToTheEnd(job, h.ctx);

    const refused = batches.filter((b) => b.outcome === 'failed');
    expect(refused.length).toBeGreaterThan(0);
    for (const batch of refused) {
      expect(batch).toMatchObject({
        state: 'fetched',
        failures: [expect.objectContaining({ code: 'token_limit_exceeded' })],
      });
      expect(batch.provider_batch_id).toMatch(/^batch_/);
    }
    const ran = batches.filter((b) => b.outcome === 'completed');
    expect(ran.map((b) => b.request_count)).toEqual([2, 2, 2]);
    expect(ran.filter((b) => /_q\d+$/.test(b.chunk_key))).not.toHaveLength(0);
    expectOneAtATime(batches);
    await expectAllSucceededOnFirstAttempt(job.id, customIds);
    expect((await getJob(h.sql, job.id))?.error).toBeNull();
    // The limit the provider stated is the model's budget from then on.
    expect(await h.sql`select provider, model, tokens::int as tokens from learned_quotas`).toEqual([
      { provider: 'openai', model: 'gpt-4o-mini', tokens: EMULATED_TOKENS_OF_A_CHUNK },
    ]);
    expect(
      h.logs.withMessage("the provider's batch queue was full: the chunk waits for room and is sent again"),
    ).not.toHaveLength(0);
  });

  it('splits a chunk the provider refused for being alone over its queue limit, and sends the halves', async () => {
    const { job, customIds } = await insertTestJob(h.sql, { prompts: prompts(4), pollIntervalS: 0.05 });
    // Four requests in one chunk, twice what the provider's queue holds.
    const ctx = { ...h.ctx, env: { ...h.ctx.env, CHUNK_MAX_REQUESTS: 4 } };
    h.emulator.setFaults({ openai_enqueued_token_limit: { tokens: EMULATED_TOKENS_OF_A_CHUNK } });

    const batches = await runToTheEnd(job, ctx);

    expect(batches[0]).toMatchObject({ request_count: 4, outcome: 'failed', state: 'fetched' });
    expect(batches.filter((b) => b.outcome === 'completed').map((b) => b.request_count)).toEqual([2, 2]);
    await expectAllSucceededOnFirstAttempt(job.id, customIds);
    expect(
      h.logs.withMessage(
        "the provider's batch queue was full with nothing else of the model in it: the chunk is split and sent again",
      ),
    ).toHaveLength(1);
  });
});
