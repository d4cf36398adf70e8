import {
  type BatchAdapter,
  type BatchRef,
  DESCRIPTORS,
  type PollResult,
  type SubmitResult,
} from '@tranche/adapters';
import { type BatchRow, getBatch, type JobRow, recordPoll, recordSubmitted, type Sql } from '@tranche/db';
import type { EmulatorHandle } from '@tranche/emulator';
import { batchContextOf } from '../context';
import { writeRequestFile } from '../request-file';
import { planTestBatch } from './jobs';

/** The worker's provider settings for an emulator (OpenAI only: the processors are provider-neutral). */
export function emulatorEnv(emulator: EmulatorHandle): Record<string, string> {
  return DESCRIPTORS.openai.env.emulator(emulator.url);
}

export function refOf(batch: BatchRow): BatchRef {
  return {
    providerBatchId: batch.provider_batch_id ?? '',
    outputFileId: batch.output_file_id,
    errorFileId: batch.error_file_id,
  };
}

/**
 * A batch of the job's pending inputs (all of them unless told which) recorded as accepted by a provider under
 * `providerBatchId`: nothing was sent anywhere, and no adapter is asked about it unless a test makes one answer.
 */
export async function submittedTestBatch(
  sql: Sql,
  job: JobRow,
  providerBatchId: string,
  customIds?: string[],
): Promise<BatchRow> {
  const planned = await planTestBatch(sql, job, customIds);
  await recordSubmitted(sql, planned.id, providerBatchId, null, planned.bytes);
  return (await getBatch(sql, planned.id))!;
}

/** Creates a planned batch at the provider, recording nothing (as a submit that died right after). */
export async function createAtProvider(
  sql: Sql,
  adapter: BatchAdapter,
  job: JobRow,
  batch: BatchRow,
): Promise<SubmitResult & { bytes: number }> {
  const context = batchContextOf(job);
  const file = await writeRequestFile(sql, batch, adapter, context);
  try {
    const sent = await adapter.submit({
      context,
      chunkKey: batch.chunk_key,
      filePath: file.path,
      requestCount: file.requestCount,
      bytes: file.bytes,
    });
    return { ...sent, bytes: file.bytes };
  } finally {
    await file.remove();
  }
}

/** Sends a planned batch to the provider and records it as submitted, as the submit processor would. */
export async function sendTestBatch(
  sql: Sql,
  adapter: BatchAdapter,
  job: JobRow,
  batch: BatchRow,
): Promise<BatchRow> {
  const sent = await createAtProvider(sql, adapter, job, batch);
  await recordSubmitted(sql, batch.id, sent.providerBatchId, sent.inputFileId ?? null, sent.bytes);
  return (await getBatch(sql, batch.id))!;
}

/** Asks the provider until the batch has ended (the emulator moves batches on by its clock). */
export async function untilEnded(
  adapter: BatchAdapter,
  ref: BatchRef,
  timeoutMs = 20_000,
): Promise<PollResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const poll = await adapter.poll(ref);
    if (poll.phase === 'ended') return poll;
    if (Date.now() > deadline) throw new Error(`batch ${ref.providerBatchId} still ${poll.providerStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A batch of all the job's pending inputs, sent to the provider, waited on until it ended, and recorded as ended. */
export async function endedTestBatch(sql: Sql, adapter: BatchAdapter, job: JobRow): Promise<BatchRow> {
  const sent = await sendTestBatch(sql, adapter, job, await planTestBatch(sql, job));
  return recordEnded(sql, sent.id, await untilEnded(adapter, refOf(sent)));
}

/** Records what the provider said about an ended batch, as the poll processor records it. */
export async function recordEnded(sql: Sql, batchId: string, poll: PollResult): Promise<BatchRow> {
  await recordPoll(sql, batchId, {
    providerStatus: poll.providerStatus,
    ended: true,
    outcome: poll.outcome ?? null,
    counts: poll.counts,
    outputFileId: poll.outputFileId ?? null,
    errorFileId: poll.errorFileId ?? null,
    failures: poll.failures && poll.failures.length > 0 ? poll.failures : null,
  });
  return (await getBatch(sql, batchId))!;
}
