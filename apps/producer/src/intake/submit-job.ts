import { insertJob, type Sql } from '@tranche/db';
import type { TrancheQueues } from '@tranche/queues';
import { jobHeaderSchema, MAX_INPUTS } from './job-schema';
import { InputNormalizer, type IntakeDefaults, type NormalizedInput, normalizeHeader } from './normalize';
import { type FieldProblem, JobValidationError, problemsFromZod } from './validation-error';

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

const requiredMessage = (issue: { input?: unknown; code?: string }) =>
  issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined;

/** Only the validation problems of inputs, when the header is already wrong: nothing will be written anyway. */
async function collectInputProblems(
  inputs: AsyncIterable<unknown> | Iterable<unknown>,
  into: FieldProblem[],
) {
  const normalizer = new InputNormalizer(null, 'x');
  for await (const raw of inputs) normalizer.add(raw);
  into.push(...normalizer.problems);
}

/**
 * The one intake path behind the SDK and both HTTP bodies (JSON and NDJSON): validates the header, then streams
 * the inputs one at a time into Postgres inside one transaction, and queues the submission once it committed. A
 * problem anywhere, header or any input, rolls everything back: no rows, no queued work.
 */
export async function intakeJob(
  deps: IntakeDeps,
  rawHeader: unknown,
  inputs: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<SubmitResponse> {
  const parsed = jobHeaderSchema.safeParse(rawHeader, { error: requiredMessage });
  if (!parsed.success) {
    const problems = problemsFromZod(parsed.error);
    await collectInputProblems(inputs, problems);
    throw new JobValidationError(problems);
  }
  const header = normalizeHeader(parsed.data, deps.defaults);
  const normalizer = new InputNormalizer(parsed.data, header.job.runId);
  const rows = (async function* (): AsyncGenerator<NormalizedInput> {
    for await (const raw of inputs) {
      const row = normalizer.add(raw);
      // After the first problem nothing more is written; reading goes on to report every problem at once.
      if (row && normalizer.problems.length === 0 && header.problems.length === 0) yield row;
    }
  })();
  const outcome = await insertJob(deps.sql, header.job, rows, () => {
    const problems = [...header.problems, ...normalizer.problems];
    if (normalizer.count === 0) problems.push({ field: 'inputs', message: 'required: at least one input' });
    if (normalizer.count > MAX_INPUTS)
      problems.push({ field: 'inputs', message: `at most ${MAX_INPUTS} inputs per job` });
    if (problems.length > 0) throw new JobValidationError(problems);
    return { inputCount: normalizer.count, duplicates: normalizer.duplicates, aliases: normalizer.aliases };
  });
  // If Redis is down here the job is still safe in Postgres: the sweeper queues it.
  if (outcome.toSend > 0) await deps.queues.enqueueSubmit(header.job.id, 0);
  return {
    job_id: header.job.id,
    status: outcome.status,
    run_id: header.job.runId,
    inputs: normalizer.count,
    duplicates: normalizer.duplicates,
    skipped_done: outcome.skippedDone,
    to_send: outcome.toSend,
  };
}

/** A whole job in one object (the SDK, or a JSON body). */
export async function submitJob(deps: IntakeDeps, body: unknown): Promise<SubmitResponse> {
  const { inputs, ...header } = (body && typeof body === 'object' ? body : {}) as { inputs?: unknown };
  if (!Array.isArray(inputs)) {
    const problem = {
      field: 'inputs',
      message: inputs === undefined ? 'required' : 'must be an array of inputs',
    };
    const parsed = jobHeaderSchema.safeParse(header, { error: requiredMessage });
    throw new JobValidationError([...(parsed.success ? [] : problemsFromZod(parsed.error)), problem]);
  }
  return intakeJob(deps, header, inputs);
}
