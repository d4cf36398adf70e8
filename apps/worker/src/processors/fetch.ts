import {
  compileOutputSchema,
  isQueueFull,
  jsonProblem,
  type NormalizedResult,
  normalizedError,
  type OutputValidator,
  type Provider,
  UnsupportedPatternError,
} from '@tranche/adapters';
import type { BatchRow, IncomingResult, JobRow, Sql, StoredError } from '@tranche/db';
import {
  applyResultsIn,
  batchCustomIdsInFileOrder,
  countPendingInputs,
  finishJobIfDone,
  getBatchWithJob,
  lockJob,
  markBatchFetched,
  nextRound,
  unansweredInputs,
} from '@tranche/db';
import { fetchPayload } from '@tranche/queues';
import type { Job } from 'bullmq';
import { checkProjectBudget } from '../alerts/budgets';
import { onJobFinished } from '../alerts/job-finished';
import { quietly } from '../alerts/raise';
import { batchContextOf, type WorkerContext } from '../context';
import { resendAfterQueueFull } from '../quota/queue-full';
import { wakeChunksWaitingForQuota } from '../quota/wake';
import { safeMessage, secretsOf } from '../safe-message';
import { proveAdoption } from './adoption-check';
import { errorsForFailedBatch } from './failed-batch-errors';
import { isLostBatch, lostBatchError } from './lost-batch';
import { missingResultError } from './missing-result-error';
import { writeSliceInParts } from './slice-writer';
import { storableResult } from './storable-result';
import { unreadableLines } from './unreadable-lines';

const RETRY_GATHER_MAX_MS = 30_000;
// Long outputs (or big embeddings) flush early: a slice in memory stays a few megabytes whatever the line count.
const SLICE_MAX_BYTES = 8 * 1024 * 1024;

function approximateBytes(result: NormalizedResult): number {
  if (result.status === 'failed') return 256 + result.error.message.length;
  return 256 + (result.output.text?.length ?? 0) + (result.output.embedding?.length ?? 0) * 20;
}

/**
 * A structured output must parse and match the job's schema: otherwise the result is an `invalid_output` failure
 * (retried within max_attempts), and the tokens it cost are still counted.
 */
function checkOutput(result: NormalizedResult, validator: OutputValidator | null): NormalizedResult {
  if (result.status !== 'succeeded' || !validator) return result;
  const invalid = (message: string): NormalizedResult => ({
    customId: result.customId,
    status: 'failed',
    usage: result.usage,
    error: normalizedError('invalid_output', 'schema_mismatch', message),
  });
  let json = result.output.json;
  if (json === undefined) {
    try {
      json = JSON.parse(result.output.text ?? '');
    } catch (error) {
      return invalid(`the output is ${jsonProblem(error)}`);
    }
  }
  const problem = validator(json);
  return problem
    ? invalid(`the output does not match the schema: ${problem}`)
    : { ...result, output: { ...result.output, json } };
}

function toIncoming(result: NormalizedResult): IncomingResult {
  if (result.status === 'succeeded') {
    return { customId: result.customId, status: 'succeeded', output: result.output, usage: result.usage };
  }
  return { customId: result.customId, status: 'failed', error: result.error, usage: result.usage };
}

/**
 * Why each input of an ended batch that got no result line failed: a batch the provider failed names the lines it
 * blames; any other ended batch says the same for all of its unanswered inputs.
 */
async function errorsForUnanswered(tx: Sql, batch: BatchRow, unanswered: string[]): Promise<StoredError[]> {
  if (batch.outcome !== 'failed') return unanswered.map(() => missingResultError(batch.outcome));
  const fileOrder = await batchCustomIdsInFileOrder(tx, batch.id);
  const errors = errorsForFailedBatch(batch.failures ?? [], unanswered, fileOrder);
  return unanswered.map((id) => errors.get(id)!);
}

/**
 * Ends a batch: its inputs that got no result fail (each with the reason `lost` gives when the provider lost the
 * batch, else as `errorsForUnanswered` says), those with attempts left go into a new round, and the job finishes
 * when nothing is left.
 */
export async function settleBatch(ctx: WorkerContext, batch: BatchRow, job: JobRow, lost?: StoredError) {
  const settled = await ctx.sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const locked = await lockJob(tx, job.id);
    if (!locked) return null;
    const unanswered = await unansweredInputs(tx, batch.id);
    if (unanswered.length > 0) {
      const errors = lost ? unanswered.map(() => lost) : await errorsForUnanswered(tx, batch, unanswered);
      await applyResultsIn(
        tx,
        locked,
        batch.id,
        unanswered.map((id, i) => ({ customId: id, status: 'failed' as const, error: errors[i]! })),
        ctx.priceFor(locked),
      );
    }
    await markBatchFetched(tx, batch.id);
    const pending = await countPendingInputs(tx, job.id);
    const round = await nextRound(tx, job.id);
    const finished = await finishJobIfDone(tx, job.id);
    return { pending, round, finished, unanswered: unanswered.length };
  });
  if (!settled) return;
  if (settled.pending > 0) {
    ctx.log.info(
      { jobId: job.id, inputs: settled.pending, round: settled.round },
      'rescheduling failed inputs',
    );
    // A short wait lets the retries of batches that end together go out as one round, not one batch each.
    await ctx.queues.enqueueSubmit(
      job.id,
      settled.round,
      Math.min(job.poll_interval_s * 1000, RETRY_GATHER_MAX_MS),
    );
  }
  if (settled.finished) {
    ctx.log.info({ jobId: job.id, status: settled.finished }, 'job finished');
    await onJobFinished(ctx, job.id);
  }
  await quietly(ctx, 'budget alerts', () => checkProjectBudget(ctx, job.project));
  // A batch settled without ending by a poll (lost by the provider, or cancelled unproven) frees its place too.
  await wakeChunksWaitingForQuota(ctx, batch.provider);
}

/**
 * A job accepted before schema patterns had to run in linear time may hold one RE2 cannot compile. Its answers are
 * already paid for: they are still parsed as JSON and stored, unchecked against the schema, rather than failing
 * every fetch of the batch for good.
 */
function outputValidatorOf(
  ctx: WorkerContext,
  jobId: string,
  schema: Record<string, unknown>,
): OutputValidator {
  try {
    return compileOutputSchema(schema);
  } catch (error) {
    if (!(error instanceof UnsupportedPatternError)) throw error;
    ctx.log.warn(
      { jobId, where: error.path.join('.') },
      'the output schema has a pattern that cannot run in linear time: outputs are stored as JSON, unchecked',
    );
    return () => null;
  }
}

/**
 * Reads a batch's results as a stream, stores them slice by slice, then settles what got no answer. Errors it does
 * not settle itself go to `keepTrying`, which puts the queue job back to wait under `token`.
 */
export async function processFetch(ctx: WorkerContext, queueJob: Job, _token?: string): Promise<void> {
  const { batchId } = fetchPayload.parse(queueJob.data);
  const found = await getBatchWithJob(ctx.sql, batchId);
  if (!found) return;
  const { batch, job } = found;
  if (batch.state === 'submitted') {
    await ctx.queues.enqueuePoll(batchId);
    return;
  }
  if (batch.state !== 'ended' || !batch.provider_batch_id) return;
  const adapter = ctx.adapters.get(batch.provider as Provider);
  const ref = {
    providerBatchId: batch.provider_batch_id,
    outputFileId: batch.output_file_id,
    errorFileId: batch.error_file_id,
  };
  // Adopted by size after a crash: nothing of it is stored until its results prove it is this chunk's.
  if (batch.adoption_unverified && !(await proveAdoption(ctx, batch, job, adapter, ref))) return;
  // Failed for the provider's queue being full: none of its requests failed, they go again (quota/queue-full.ts).
  if (
    batch.outcome === 'failed' &&
    isQueueFull(batch.failures) &&
    (await resendAfterQueueFull(ctx, batch, job))
  ) {
    return;
  }
  let slice: IncomingResult[] = [];
  let sliceBytes = 0;
  const totals = { succeeded: 0, failed: 0, retrying: 0, ignored: 0, refused: 0 };
  const unreadable = unreadableLines(ctx.log, { jobId: job.id, batchId });
  const price = ctx.priceFor(job);
  const flush = async () => {
    if (slice.length === 0) return;
    const target = { sql: ctx.sql, job, batchId, price, log: ctx.log };
    const outcome = await writeSliceInParts(target, slice, ctx.env.FETCH_SLICE_WRITERS);
    totals.succeeded += outcome.succeeded;
    totals.failed += outcome.failed;
    totals.retrying += outcome.retrying;
    totals.ignored += outcome.ignored;
    totals.refused += outcome.refused;
    slice = [];
    sliceBytes = 0;
  };
  const context = batchContextOf(job);
  const validator = context.output ? outputValidatorOf(ctx, job.id, context.output.schema) : null;
  let lost: StoredError | undefined;
  try {
    for await (const raw of adapter.fetchResults(ref, context, unreadable.report)) {
      const result = storableResult(checkOutput(raw, validator));
      slice.push(toIncoming(result));
      sliceBytes += approximateBytes(result);
      if (slice.length >= ctx.env.FETCH_SLICE || sliceBytes >= SLICE_MAX_BYTES) await flush();
    }
  } catch (error) {
    if (!isLostBatch(error)) throw error;
    // The provider no longer has the results: keep what was read, and settle the rest once, as lost.
    lost = lostBatchError(batch);
    ctx.log.warn(
      { jobId: job.id, batchId, err: safeMessage(error.message, secretsOf(ctx.env)) },
      'the provider lost the results of a batch',
    );
  }
  await flush();
  const { malformed, unknown } = unreadable;
  ctx.log.info({ jobId: job.id, batchId, ...totals, malformed, unknown }, 'batch results stored');
  await settleBatch(ctx, batch, job, lost);
}
