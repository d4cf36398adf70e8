import { randomUUID } from 'node:crypto';
import {
  type BatchAdapter,
  type BatchContext,
  effectiveLimits,
  type Provider,
  ProviderCallError,
  planChunks,
  requestLineOverhead,
  type SubmitResult,
} from '@tranche/adapters';
import {
  type BatchRow,
  countSubmitAttempt,
  failUnsent,
  finishJobIfDone,
  getBatch,
  getJob,
  insertPlannedBatch,
  isTerminal,
  type JobRow,
  knownProviderBatchIds,
  lockJob,
  markBatchFetched,
  nextRound,
  type PriceResult,
  pendingInputsForPlanning,
  plannedBatches,
  recordSubmitted,
  type Sql,
  setJobStatus,
  withBatchLock,
} from '@tranche/db';
import { submitPayload } from '@tranche/queues';
import type { Job } from 'bullmq';
import { batchContextOf, type WorkerContext } from '../context';
import { writeRequestFile } from '../request-file';
import { safeMessage, secretsOf } from '../safe-message';

/** Packs the job's pending inputs into planned batches, each written to Postgres before any provider call. */
async function planPending(ctx: WorkerContext, job: JobRow, adapter: BatchAdapter, context: BatchContext) {
  const limits = effectiveLimits(adapter.limits, {
    maxRequests: ctx.env.CHUNK_MAX_REQUESTS,
    maxBytes: ctx.env.CHUNK_MAX_BYTES,
  });
  const overhead = requestLineOverhead(adapter, context);
  await ctx.sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const locked = await lockJob(tx, job.id);
    if (!locked || isTerminal(locked.status) || locked.cancel_reason) return;
    const pending = await pendingInputsForPlanning(tx, job.id);
    if (pending.length === 0) return;
    const sized = pending.map((p) => ({ customId: p.customId, bytes: p.bytes + overhead }));
    const { chunks, oversized } = planChunks(sized, limits, adapter.limits.maxBytes);
    const round = await nextRound(tx, job.id);
    for (const [index, chunk] of chunks.entries()) {
      await insertPlannedBatch(tx, {
        id: randomUUID(),
        jobId: job.id,
        provider: job.provider,
        chunkKey: `${job.id}_r${round}_c${index}`,
        round,
        customIds: chunk.map((c) => c.customId),
        bytes: chunk.reduce((sum, c) => sum + c.bytes, 0),
      });
    }
    await failUnsent(
      tx,
      job.id,
      oversized.map((o) => o.customId),
      {
        type: 'invalid_request',
        code: 'request_too_large',
        message: `the request is larger than one ${job.provider} batch may be (${adapter.limits.maxBytes} bytes)`,
        retryable: false,
      },
      ctx.priceFor(locked),
    );
    if (locked.status === 'queued') {
      await tx`update jobs set status = 'submitting', updated_at = now() where id = ${job.id}`;
    }
    await finishJobIfDone(tx, job.id);
  });
}

/** A batch planned for a job that was cancelled meanwhile never goes out. */
async function dropPlannedBatch(sql: Sql, batch: BatchRow, price: PriceResult) {
  await sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const ids = await tx<{ custom_id: string }[]>`
      select custom_id from inputs where batch_id = ${batch.id} and state = 'submitted'`;
    const error = {
      type: 'cancelled',
      code: 'cancelled',
      message: 'the job was cancelled before this request was sent',
      retryable: false,
    };
    await failUnsent(
      tx,
      batch.job_id,
      ids.map((i) => i.custom_id),
      error,
      price,
    );
    await markBatchFetched(tx, batch.id);
    await finishJobIfDone(tx, batch.job_id);
  });
}

/**
 * The provider refused the batch for good (a 4xx that retrying cannot fix: a bad key, an unknown model): its inputs
 * fail, the job goes on, and the job's `error` keeps the first such reason so that its view says why. `message` is
 * the provider's, credentials masked.
 */
async function failRejectedBatch(
  sql: Sql,
  batch: BatchRow,
  error: ProviderCallError,
  message: string,
  price: PriceResult,
) {
  await sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const ids = await tx<{ custom_id: string }[]>`
      select custom_id from inputs where batch_id = ${batch.id} and state = 'submitted'`;
    await failUnsent(
      tx,
      batch.job_id,
      ids.map((i) => i.custom_id),
      {
        type: 'invalid_request',
        code: error.code ?? (error.status ? String(error.status) : null),
        message,
        retryable: false,
      },
      price,
    );
    await tx`update jobs set error = coalesce(error, ${message}), updated_at = now() where id = ${batch.job_id}`;
    await markBatchFetched(tx, batch.id);
    await finishJobIfDone(tx, batch.job_id);
  });
}

/**
 * What an earlier attempt at the chunk made at the provider, recorded for the chunk: null when the provider shows
 * nothing, or when what it shows is already held by another chunk. That is a wrong adoption (the unique index on
 * `(provider, provider_batch_id)` refuses it; `knownBatchIds` only covers a day around the chunk, and not a batch
 * recorded meanwhile): it is logged, not recorded, and the chunk is sent itself. A batch recognised by its size only
 * (Anthropic) is recorded as unverified: fetch proves it by its results' custom ids before using any of it
 * (adoption-check.ts), and until then nothing cancels or deletes it.
 */
async function adoptEarlierBatch(
  ctx: WorkerContext,
  batch: BatchRow,
  adapter: BatchAdapter,
): Promise<SubmitResult | null> {
  const found = await adapter.findExisting({
    chunkKey: batch.chunk_key,
    createdAfter: batch.created_at,
    requestCount: batch.request_count,
    knownBatchIds: await knownProviderBatchIds(ctx.sql, batch.provider, batch.created_at),
  });
  if (!found) return null;
  const where = { jobId: batch.job_id, batchId: batch.id, providerBatchId: found.providerBatchId };
  const recorded = await recordSubmitted(
    ctx.sql,
    batch.id,
    found.providerBatchId,
    found.inputFileId ?? null,
    batch.bytes,
    { adoptionUnverified: found.recognisedBy === 'size' },
  );
  if (recorded === 'held_by_another') {
    ctx.log.error(where, 'not adopting a provider batch another chunk holds; sending the chunk itself');
    return null;
  }
  ctx.log.warn({ ...where, recognisedBy: found.recognisedBy }, 'adopted a batch created before a crash');
  return found;
}

async function submitBatch(
  ctx: WorkerContext,
  planned: BatchRow,
  adapter: BatchAdapter,
  context: BatchContext,
  price: PriceResult,
) {
  await withBatchLock(ctx.sql, planned.id, async () => {
    const batch = await getBatch(ctx.sql, planned.id);
    if (batch?.state !== 'planned') return;
    const job = await getJob(ctx.sql, batch.job_id);
    if (!job || job.cancel_reason || isTerminal(job.status)) {
      await dropPlannedBatch(ctx.sql, batch, price);
      return;
    }
    const attempt = await countSubmitAttempt(ctx.sql, batch.id);
    // An earlier attempt may have reached the provider (its worker died, or the answer to its create call was
    // lost): adopt what it made, never send twice.
    let submitted = attempt > 1 ? await adoptEarlierBatch(ctx, batch, adapter) : null;
    let bytes = batch.bytes;
    if (!submitted) {
      const file = await writeRequestFile(ctx.sql, batch, adapter, context);
      bytes = file.bytes;
      try {
        submitted = await adapter.submit({
          context,
          chunkKey: batch.chunk_key,
          filePath: file.path,
          requestCount: file.requestCount,
          bytes: file.bytes,
          // It may also have uploaded the request file without making a batch: the adapter reuses that file.
          ...(attempt > 1 ? { earlierAttemptsSince: batch.created_at } : {}),
        });
      } catch (error) {
        if (error instanceof ProviderCallError && !error.retryable) {
          const message = safeMessage(error.message, secretsOf(ctx.env));
          ctx.log.error(
            { jobId: job.id, batchId: batch.id, status: error.status, err: message },
            'provider rejected a batch',
          );
          await failRejectedBatch(ctx.sql, batch, error, message, price);
          return;
        }
        throw error;
      } finally {
        await file.remove();
      }
      const recorded = await recordSubmitted(
        ctx.sql,
        batch.id,
        submitted.providerBatchId,
        submitted.inputFileId ?? null,
        bytes,
      );
      // The batch this call just made is held by another chunk: that chunk adopted it wrongly (an Anthropic batch
      // is recognised by its size only) before this one could record it. Try again later, as a new batch.
      if (recorded === 'held_by_another') {
        throw new Error(
          `${batch.provider} batch ${submitted.providerBatchId}, just made for chunk ${batch.chunk_key}, is held by another chunk`,
        );
      }
    }
    ctx.log.info(
      {
        jobId: job.id,
        batchId: batch.id,
        providerBatchId: submitted.providerBatchId,
        requests: batch.request_count,
        bytes,
      },
      'batch submitted',
    );
    await ctx.queues.enqueuePoll(batch.id, job.poll_interval_s * 1000);
  });
}

/**
 * Plans and sends a job's pending inputs. Errors it does not settle itself (a provider's 5xx, no key for the
 * provider on this worker, Postgres away) go to `keepTrying`, which puts the queue job back to wait under `token`.
 */
export async function processSubmit(ctx: WorkerContext, queueJob: Job, _token?: string): Promise<void> {
  const { jobId } = submitPayload.parse(queueJob.data);
  const job = await getJob(ctx.sql, jobId);
  if (!job || isTerminal(job.status) || job.cancel_reason) return;
  // Throws ProviderNotConfiguredError on a worker without this provider's key: the job waits for one that has it.
  const adapter = ctx.adapters.get(job.provider as Provider);
  const context = batchContextOf(job);
  await planPending(ctx, job, adapter, context);
  for (const batch of await plannedBatches(ctx.sql, jobId)) {
    await submitBatch(ctx, batch, adapter, context, ctx.priceFor(job));
  }
  await setJobStatus(ctx.sql, jobId, 'running', ['queued', 'submitting']);
}
