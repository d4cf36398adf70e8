import { randomUUID } from 'node:crypto';
import {
  type BatchAdapter,
  type BatchContext,
  effectiveLimits,
  type Provider,
  planChunks,
  requestLineOverhead,
} from '@tranche/adapters';
import {
  failUnsent,
  finishJobIfDone,
  getJob,
  insertPlannedBatch,
  isTerminal,
  type JobRow,
  lockJob,
  nextRound,
  pendingInputsForPlanning,
  plannedBatches,
  type Sql,
} from '@tranche/db';
import { APPROX_BYTES_PER_TOKEN } from '@tranche/pricing';
import { submitPayload } from '@tranche/queues';
import type { Job } from 'bullmq';
import { batchContextOf, type WorkerContext } from '../context';
import { budgetsFor, chunkCaps } from '../quota';

/** Chunks written at once while a job is planned: each is a transaction of its own on a connection of its own. */
const PLAN_WRITERS = 3;

/** Fails inputs no batch of the provider can take (and ends the job when nothing else is left). */
async function failUnplannable(
  ctx: WorkerContext,
  job: JobRow,
  customIds: string[],
  error: { code: string; message: string },
  nothingElse: boolean,
) {
  await ctx.sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const locked = await lockJob(tx, job.id);
    if (!locked || isTerminal(locked.status) || locked.cancel_reason) return;
    const failure = { type: 'invalid_request', ...error, retryable: false };
    await failUnsent(tx, job.id, customIds, failure, ctx.priceFor(locked));
    // Only failing every input can end the job here; its counts read the whole job, so they are spared otherwise.
    if (nothingElse) await finishJobIfDone(tx, job.id);
  });
}

/**
 * Packs the job's pending inputs into chunks, and writes each as a planned batch (before any provider call) in a
 * transaction of its own, PLAN_WRITERS at a time, handing it to its queue job as soon as it is written: the first
 * chunks are being sent while the last are still written. (Writing a chunk rewrites each of its inputs' rows, which
 * is most of the time planning takes.) Each chunk carries its estimated input tokens, a byte count over
 * APPROX_BYTES_PER_TOKEN of its requests (what provider quotas count).
 */
async function planPending(ctx: WorkerContext, job: JobRow, adapter: BatchAdapter, context: BatchContext) {
  // A chunk must fit its provider's quota at all: no bigger than the tightest budget that applies to it.
  const quota = chunkCaps(await budgetsFor(ctx, job.provider, job.model));
  const limits = effectiveLimits(adapter.limits, {
    maxRequests: Math.min(ctx.env.CHUNK_MAX_REQUESTS, quota.maxRequests ?? Number.POSITIVE_INFINITY),
    maxBytes: ctx.env.CHUNK_MAX_BYTES,
    ...(quota.maxTokens !== undefined ? { maxTokens: quota.maxTokens } : {}),
  });
  const overhead = requestLineOverhead(adapter, context);
  const pending = await pendingInputsForPlanning(ctx.sql, job.id);
  if (pending.length === 0) return;
  const sized = pending.map((p) => ({
    customId: p.customId,
    bytes: p.bytes + overhead,
    tokens: Math.ceil(p.bytes / APPROX_BYTES_PER_TOKEN),
  }));
  const { chunks, oversized, tooFew } = planChunks(
    sized,
    limits,
    adapter.limits.maxBytes,
    adapter.limits.maxRequests,
  );
  if (oversized.length > 0) {
    await failUnplannable(
      ctx,
      job,
      oversized.map((o) => o.customId),
      {
        code: 'request_too_large',
        message: `the request is larger than one ${job.provider} batch may be (${adapter.limits.maxBytes} bytes)`,
      },
      chunks.length === 0 && tooFew.length === 0,
    );
  }
  // Intake refuses a job under the minimum: what is left under it here is a retry round (or inputs the byte and
  // token caps keep apart), which the provider would refuse whole.
  if (tooFew.length > 0) {
    await failUnplannable(
      ctx,
      job,
      tooFew.map((o) => o.customId),
      {
        code: 'below_batch_minimum',
        message: `${job.provider} runs batches of at least ${adapter.limits.minRequests} requests; only ${tooFew.length} were left to send together`,
      },
      chunks.length === 0,
    );
  }
  let round = 0;
  /** Writes chunk `index`; false when the job was cancelled (or ended) meanwhile: nothing more is planned. */
  const write = async (index: number): Promise<boolean> => {
    const chunk = chunks[index]!;
    const id = randomUUID();
    const held = await ctx.sql.begin(async (txn) => {
      const tx = txn as unknown as Sql;
      // The first chunk takes the job's lock alone: a planning running at the same time then takes the next round,
      // so keys never collide. The others only keep a cancel out meanwhile, and are written side by side.
      const [locked] = await tx<JobRow[]>`
        select * from jobs where id = ${job.id} ${index === 0 ? tx`for update` : tx`for share`}`;
      if (!locked || isTerminal(locked.status) || locked.cancel_reason) return null;
      if (index === 0) {
        round = await nextRound(tx, job.id);
        if (locked.status === 'queued') {
          await tx`update jobs set status = 'submitting', updated_at = now() where id = ${job.id}`;
        }
      }
      return insertPlannedBatch(tx, {
        id,
        jobId: job.id,
        provider: job.provider,
        chunkKey: `${job.id}_r${round}_c${index}`,
        round,
        customIds: chunk.map((c) => c.customId),
        bytes: chunk.reduce((sum, c) => sum + c.bytes, 0),
        estimatedTokens: chunk.reduce((sum, c) => sum + c.tokens, 0),
      });
    });
    if (held === null) return false;
    if (held > 0) await ctx.queues.enqueueSubmitBatch(id);
    return true;
  };
  if (chunks.length === 0 || !(await write(0))) return;
  let next = 1;
  let cancelled = false;
  const writer = async () => {
    while (!cancelled && next < chunks.length) if (!(await write(next++))) cancelled = true;
  };
  await Promise.all(Array.from({ length: PLAN_WRITERS }, writer));
}

/**
 * Plans a job's pending inputs into batches, then hands each planned batch to a queue job of its own
 * (`submit-batch`), so that the chunks of one big job are sent by every worker at once. Errors it does not settle
 * itself (no key for the provider on this worker, Postgres away) go to `keepTrying`, which puts the queue job back
 * to wait under `token`.
 */
export async function processSubmit(ctx: WorkerContext, queueJob: Job, _token?: string): Promise<void> {
  const { jobId } = submitPayload.parse(queueJob.data);
  const job = await getJob(ctx.sql, jobId);
  if (!job || isTerminal(job.status) || job.cancel_reason) return;
  // Throws ProviderNotConfiguredError on a worker without this provider's key: the job waits for one that has it.
  const adapter = ctx.adapters.get(job.provider as Provider);
  await planPending(ctx, job, adapter, batchContextOf(job));
  // Every planned batch of the job, also one planned earlier whose queue job Redis lost: adding one that is
  // queued already is a no-op.
  for (const batch of await plannedBatches(ctx.sql, jobId)) await ctx.queues.enqueueSubmitBatch(batch.id);
}
