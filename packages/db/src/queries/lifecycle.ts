import type { Sql } from '../client';
import { finishJobIfDone, isTerminal } from './jobs';
import { failUnsent, markBatchFetched, type PricingFor } from './results';
import type { JobRow, JobStatus } from './types';

export type CancelReason = 'user' | 'timeout';

export type CancelOutcome =
  | { kind: 'not_found' }
  | { kind: 'already_finished'; status: JobStatus }
  | { kind: 'cancelling'; job: JobRow; batchesToWake: string[]; finished: JobStatus | null };

const CANCEL_MESSAGES: Record<CancelReason, string> = {
  user: 'the job was cancelled before this request finished',
  timeout: 'the job passed its timeout before this request finished',
};

/**
 * Starts a cancel (by the caller, or by the timeout): inputs not yet sent fail as cancelled, batches not yet sent are
 * dropped, and batches at the provider are returned so their poll jobs can cancel them now. What already finished
 * is kept.
 */
export async function requestCancel(
  sql: Sql,
  jobId: string,
  reason: CancelReason,
  pricing: PricingFor,
): Promise<CancelOutcome> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const [job] = await tx<JobRow[]>`select * from jobs where id = ${jobId} for update`;
    if (!job) return { kind: 'not_found' as const };
    if (isTerminal(job.status)) return { kind: 'already_finished' as const, status: job.status };
    const error = {
      type: 'cancelled',
      code: reason === 'timeout' ? 'timeout' : 'cancelled',
      message: CANCEL_MESSAGES[reason],
      retryable: false,
    };
    if (job.cancel_reason === null) {
      await tx`update jobs set cancel_reason = ${reason}, status = 'cancelling', updated_at = now() where id = ${jobId}`;
    }
    // Inputs waiting for an earlier job's result are not sent by this one either: they end with it.
    const pending = await tx<{ custom_id: string }[]>`
      select custom_id from inputs where job_id = ${jobId} and state in ('pending', 'awaiting')`;
    await failUnsent(
      tx,
      jobId,
      pending.map((p) => p.custom_id),
      error,
      pricing(job),
    );
    // A batch a worker is sending (its claim still runs) is left to that worker, which finds the job cancelled or
    // hands the batch to a poll that cancels it. The row locks keep a worker from claiming the others meanwhile.
    const planned = await tx<{ id: string }[]>`
      select id from provider_batches
      where job_id = ${jobId} and state = 'planned' and (submit_lease_until is null or submit_lease_until < now())
      for update`;
    for (const batch of planned) {
      const ids = await tx<{ custom_id: string }[]>`
        select custom_id from inputs where batch_id = ${batch.id} and state = 'submitted'`;
      await failUnsent(
        tx,
        jobId,
        ids.map((i) => i.custom_id),
        error,
        pricing(job),
      );
      await markBatchFetched(tx, batch.id);
    }
    const live = await tx<{ id: string }[]>`
      select id from provider_batches where job_id = ${jobId} and state = 'submitted'`;
    const finished = await finishJobIfDone(tx, jobId);
    const [fresh] = await tx<JobRow[]>`select * from jobs where id = ${jobId}`;
    return { kind: 'cancelling' as const, job: fresh ?? job, batchesToWake: live.map((b) => b.id), finished };
  });
}
