import { findSucceeded, insertJob, type Sql } from '@tranche/db';
import type { TrancheQueues } from '@tranche/queues';
import { jobSpecSchema } from './job-schema';
import { type IntakeDefaults, normalizeJob } from './normalize';
import { JobValidationError, problemsFromZod } from './validation-error';

export interface SubmitResponse {
  job_id: string;
  status: 'queued' | 'completed';
  run_id: string;
  /** Inputs the caller sent. */
  inputs: number;
  /** Inputs that repeated an earlier input of the same job, collapsed onto it. */
  duplicates: number;
  /** Distinct requests that already succeeded in an earlier job of the same run: not sent again. */
  skipped_done: number;
  /** Distinct requests that will be sent. */
  to_send: number;
}

export interface IntakeDeps {
  sql: Sql;
  queues: TrancheQueues;
  defaults: IntakeDefaults;
}

/** Validates a job, writes it and its inputs in one transaction, then queues its submission. */
export async function submitJob(deps: IntakeDeps, body: unknown): Promise<SubmitResponse> {
  const parsed = jobSpecSchema.safeParse(body, {
    error: (issue) => (issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined),
  });
  if (!parsed.success) throw new JobValidationError(problemsFromZod(parsed.error));
  const normalized = normalizeJob(parsed.data, deps.defaults);
  if (normalized.problems.length > 0) throw new JobValidationError(normalized.problems);
  const { job, inputs } = normalized;
  const done = await findSucceeded(
    deps.sql,
    inputs.map((i) => i.customId),
  );
  const rows = inputs.map((input) => ({
    ...input,
    state: done.has(input.customId) ? ('skipped' as const) : ('pending' as const),
  }));
  const toSend = rows.length - done.size;
  const status = toSend === 0 ? 'completed' : 'queued';
  await insertJob(deps.sql, { ...job, status, skippedDone: done.size }, rows);
  // If Redis is down here the job is still safe in Postgres: the sweeper queues it.
  if (toSend > 0) await deps.queues.enqueueSubmit(job.id, 0);
  return {
    job_id: job.id,
    status,
    run_id: job.runId,
    inputs: job.inputCount,
    duplicates: job.duplicates,
    skipped_done: done.size,
    to_send: toSend,
  };
}
