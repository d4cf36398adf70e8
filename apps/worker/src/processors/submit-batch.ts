import {
  type BatchAdapter,
  type BatchContext,
  type Provider,
  ProviderCallError,
  type SubmitResult,
} from '@tranche/adapters';
import {
  type BatchRow,
  claimWithinQuota,
  countSubmitAttempt,
  failUnsent,
  finishJobIfDone,
  getBatchWithJob,
  getJob,
  isTerminal,
  knownProviderBatchIds,
  markBatchFetched,
  type PriceResult,
  recordSubmitted,
  type Sql,
  type StoredError,
  setJobStatus,
} from '@tranche/db';
import { submitBatchPayload } from '@tranche/queues';
import { DelayedError, type Job } from 'bullmq';
import { batchContextOf, type WorkerContext } from '../context';
import { budgetsFor } from '../quota';
import { wakeChunksWaitingForQuota } from '../quota/wake';
import { writeRequestFile } from '../request-file';
import { safeMessage, secretsOf } from '../safe-message';
import { withSubmitLease } from './submit-lease';

/** After another worker's claim on the batch runs out, look again this much later (clocks and renewals). */
const CLAIM_MARGIN_MS = 500;

/**
 * Ends a chunk that will never reach the provider: each of its inputs fails with `error`, the batch is done, and the
 * job finishes if nothing else is left. `also` runs in the same transaction.
 */
async function failUnsentBatch(
  sql: Sql,
  batch: BatchRow,
  error: StoredError,
  price: PriceResult,
  also?: (tx: Sql) => Promise<unknown>,
) {
  await sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const ids = await tx<{ custom_id: string }[]>`
      select custom_id from inputs where batch_id = ${batch.id} and state = 'submitted'`;
    await failUnsent(
      tx,
      batch.job_id,
      ids.map((i) => i.custom_id),
      error,
      price,
    );
    await also?.(tx);
    await markBatchFetched(tx, batch.id);
    await finishJobIfDone(tx, batch.job_id);
  });
}

/** A batch planned for a job that was cancelled meanwhile never goes out. */
function dropPlannedBatch(sql: Sql, batch: BatchRow, price: PriceResult) {
  const error = {
    type: 'cancelled',
    code: 'cancelled',
    message: 'the job was cancelled before this request was sent',
    retryable: false,
  };
  return failUnsentBatch(sql, batch, error, price);
}

/**
 * The provider refused the batch for good (a 4xx that retrying cannot fix: a bad key, an unknown model): its inputs
 * fail, the job goes on, and the job's `error` keeps the first such reason so that its view says why. `message` is
 * the provider's, credentials masked.
 */
function failRejectedBatch(
  sql: Sql,
  batch: BatchRow,
  error: ProviderCallError,
  message: string,
  price: PriceResult,
) {
  const stored = {
    type: 'invalid_request',
    code: error.code ?? (error.status ? String(error.status) : null),
    message,
    retryable: false,
  };
  return failUnsentBatch(
    sql,
    batch,
    stored,
    price,
    (tx) =>
      tx`update jobs set error = coalesce(error, ${message}), updated_at = now() where id = ${batch.job_id}`,
  );
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

/** Sends one planned batch this worker holds the claim on (or adopts what an earlier attempt made), once. */
async function sendBatch(
  ctx: WorkerContext,
  batch: BatchRow,
  adapter: BatchAdapter,
  context: BatchContext,
  price: PriceResult,
) {
  const job = await getJob(ctx.sql, batch.job_id);
  if (!job || job.cancel_reason || isTerminal(job.status)) {
    await dropPlannedBatch(ctx.sql, batch, price);
    // Its place in the provider's quota is free again.
    await wakeChunksWaitingForQuota(ctx, batch.provider);
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
        await wakeChunksWaitingForQuota(ctx, batch.provider);
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
  if (submitted.warning) {
    ctx.log.warn(
      {
        jobId: job.id,
        batchId: batch.id,
        providerBatchId: submitted.providerBatchId,
        warning: submitted.warning,
      },
      'the provider accepted the batch with a warning',
    );
  }
  await setJobStatus(ctx.sql, job.id, 'running', ['queued', 'submitting']);
  await ctx.queues.enqueuePoll(batch.id, job.poll_interval_s * 1000);
}

/** Puts the queue job back to sleep until `at` (ms since the epoch): progress, not an error. */
async function sleepUntil(queueJob: Job, token: string | undefined, at: number): Promise<never> {
  await queueJob.moveToDelayed(at, token);
  throw new DelayedError();
}

/**
 * Sends one planned batch: its own queue job (`submit-batch_<batchId>`), so the chunks of a big job go out from
 * every worker at once. The worker claims the batch first (a lease in Postgres, see submit-lease.ts), within the
 * budgets of its provider and model (quota/): a batch another worker is sending is looked at again once that claim
 * runs out; one that does not fit its quota now waits, looking again after QUOTA_RECHECK_MS or when woken as a batch
 * of its provider ends. Errors it does not settle itself (a provider's 5xx, no key for the provider on this worker,
 * Postgres away) go to `keepTrying`, which puts the queue job back to wait.
 */
export async function processSubmitBatch(ctx: WorkerContext, queueJob: Job, token?: string): Promise<void> {
  const { batchId } = submitBatchPayload.parse(queueJob.data);
  const found = await getBatchWithJob(ctx.sql, batchId);
  if (found?.batch.state !== 'planned') return;
  const { batch: planned, job } = found;
  // Throws ProviderNotConfiguredError on a worker without this provider's key: the batch waits for one that has it.
  const adapter = ctx.adapters.get(job.provider as Provider);
  // A job being cancelled sends nothing more: its chunks are dropped whatever the quota.
  const budgets = job.cancel_reason ? [] : await budgetsFor(ctx, job.provider, job.model);
  const chunk = { id: batchId, provider: job.provider, model: job.model };
  const take = (owner: string) => claimWithinQuota(ctx.sql, chunk, budgets, owner, ctx.env.SUBMIT_LEASE_MS);
  const outcome = await withSubmitLease(ctx, batchId, take, (batch) =>
    sendBatch(ctx, batch, adapter, batchContextOf(job), ctx.priceFor(job)),
  );
  if (outcome.kind === 'held') await sleepUntil(queueJob, token, outcome.until.getTime() + CLAIM_MARGIN_MS);
  if (outcome.kind === 'waiting_for_quota') {
    const { budget } = outcome;
    const where = { jobId: job.id, batchId, provider: job.provider, model: job.model, ...budget };
    // Said once, when the chunk starts waiting; each later look is a debug line.
    if (!planned.waiting_for_quota_since) ctx.log.info(where, 'a chunk waits for room in its provider quota');
    else ctx.log.debug(where, 'a chunk still waits for room in its provider quota');
    await sleepUntil(queueJob, token, Date.now() + ctx.env.QUOTA_RECHECK_MS);
  }
}
