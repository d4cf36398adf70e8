import { descriptorOf, type ProviderLimits, type UnifiedRequest } from '@tranche/adapters';
import type { Logger } from '@tranche/config';
import { jobHeaderSchema, type ParsedJobHeader, type SubmitResponse } from '@tranche/contracts';
import {
  getBudget,
  insertJob,
  type Sql,
  setJobWorstCase,
  skippedInputRequests,
  webhookSecretSalts,
} from '@tranche/db';
import type { Pricer } from '@tranche/pricing';
import type { TrancheQueues } from '@tranche/queues';
import { checkWebhookUrl } from '@tranche/webhooks';
import { type Caller, requireProject } from '../auth/caller';
import { enforceBudget } from './budget-check';
import { enqueueAfterCommit } from './enqueue-after-commit';
import type { KeyClaim } from './idempotency';
import { JobEstimate } from './job-estimate';
import type { IntakeLimits } from './limits';
import {
  InputNormalizer,
  type IntakeDefaults,
  type JobHeaderRow,
  type NormalizedInput,
  normalizeHeader,
} from './normalize';
import { type FieldProblem, JobValidationError, problemsFromZod } from './validation-error';

export type { SubmitResponse };

export interface IntakeDeps {
  /** Who submits: the job must be in one of its projects, and records the key as `submitted_by`. */
  caller: Caller;
  /** WEBHOOK_ALLOW_PRIVATE: whether `options.webhook_url` may point at a loopback or private address. */
  webhooks: { allowPrivate: boolean };
  sql: Sql;
  queues: TrancheQueues;
  defaults: IntakeDefaults;
  /** Prices worst cases (budgets, dry runs): one per process. */
  pricer: Pricer;
  /** The operator's cap on one provider batch (the workers' CHUNK_MAX_REQUESTS and CHUNK_MAX_BYTES). */
  chunkCaps: ProviderLimits;
  /** MAX_INPUTS, MAX_INPUT_BYTES, MIN_POLL_INTERVAL_S. */
  limits: IntakeLimits;
  /** Where a submission that could not be queued after the commit is reported (the sweeper queues it). */
  log?: Logger;
}

const requiredMessage = (issue: { input?: unknown; code?: string }) =>
  issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined;

/** Only the validation problems of inputs, when the header is already wrong: nothing will be written anyway. */
async function collectInputProblems(
  inputs: AsyncIterable<unknown> | Iterable<unknown>,
  limits: IntakeLimits,
  into: FieldProblem[],
) {
  const normalizer = new InputNormalizer(null, 'x', limits);
  for await (const raw of inputs) {
    normalizer.add(raw);
    if (normalizer.full) break;
  }
  into.push(...normalizer.problems, ...countProblems(normalizer));
}

/** No inputs, or more than MAX_INPUTS (the reading stopped at the first one over). */
function countProblems(normalizer: InputNormalizer): FieldProblem[] {
  if (normalizer.count === 0) return [{ field: 'inputs', message: 'required: at least one input' }];
  if (normalizer.full)
    return [
      { field: 'inputs', message: `at most ${normalizer.limits.maxInputs} inputs per job (MAX_INPUTS)` },
    ];
  return [];
}

/** A job whose header is valid, ready to take its inputs: shared by a submit and a dry run. */
export interface PreparedIntake {
  spec: ParsedJobHeader;
  job: JobHeaderRow;
  headerProblems: FieldProblem[];
  normalizer: InputNormalizer;
  estimate: JobEstimate;
}

/**
 * Validates the header; a bad one throws with every problem of the inputs too (which are read to the end). Tokens
 * are counted with the provider's real tokenizer where there is one for a dry run and for a project with a budget;
 * otherwise the job's worst case, which nothing checks, is estimated with the approximation.
 */
export async function prepareIntake(
  deps: IntakeDeps,
  rawHeader: unknown,
  inputs: AsyncIterable<unknown> | Iterable<unknown>,
  purpose: 'dry_run' | 'submit',
): Promise<PreparedIntake> {
  const parsed = jobHeaderSchema.safeParse(rawHeader, { error: requiredMessage });
  if (!parsed.success) {
    const problems = problemsFromZod(parsed.error);
    await collectInputProblems(inputs, deps.limits, problems);
    throw new JobValidationError(problems);
  }
  requireProject(deps.caller, parsed.data.metadata.project);
  const header = normalizeHeader(parsed.data, deps.defaults, deps.limits);
  header.job.submittedBy = { keyId: deps.caller.keyId, name: deps.caller.name };
  const webhookUrl = parsed.data.options?.webhook_url;
  if (webhookUrl !== undefined)
    header.problems.push(...(await webhookProblems(deps, header.job.project, webhookUrl)));
  const exact = purpose === 'dry_run' || (await getBudget(deps.sql, header.job.project)) !== null;
  return {
    spec: parsed.data,
    job: header.job,
    headerProblems: header.problems,
    normalizer: new InputNormalizer(parsed.data, header.job.runId, deps.limits),
    estimate: await JobEstimate.create(
      deps.pricer,
      {
        provider: parsed.data.provider,
        model: parsed.data.model,
        kind: parsed.data.kind,
        outputSchema: parsed.data.output?.schema,
      },
      exact,
    ),
  };
}

/**
 * `options.webhook_url` must be http(s) and reach no loopback, private, link-local or metadata address (unless
 * WEBHOOK_ALLOW_PRIVATE; the worker checks the address again when it connects), and the project must have a
 * webhook secret to sign with: a delivery its receiver could not verify is worth nothing.
 */
async function webhookProblems(deps: IntakeDeps, project: string, url: string): Promise<FieldProblem[]> {
  const refused = await checkWebhookUrl(url, { allowPrivate: deps.webhooks.allowPrivate });
  if (refused) return [{ field: 'options.webhook_url', message: refused }];
  if (!(await webhookSecretSalts(deps.sql, project))) {
    return [
      {
        field: 'options.webhook_url',
        message:
          `project ${JSON.stringify(project)} has no webhook secret yet: an admin creates it ` +
          `with POST /v1/projects/${encodeURIComponent(project)}/webhook-secret`,
      },
    ];
  }
  return [];
}

/** Whether the row is to be kept: after the first problem nothing more is, though reading goes on. */
export function acceptable(prepared: PreparedIntake, row: NormalizedInput | null): row is NormalizedInput {
  return row !== null && prepared.normalizer.problems.length === 0 && prepared.headerProblems.length === 0;
}

/**
 * A provider that refuses batches under a minimum (`limits.minRequests`) would refuse this job's only batch: its
 * distinct requests (duplicates collapse onto one) must reach the minimum.
 */
function minimumProblems({ spec, normalizer }: PreparedIntake): FieldProblem[] {
  const { label, limits } = descriptorOf(spec.provider);
  const distinct = normalizer.count - normalizer.duplicates;
  if (limits.minRequests === undefined || normalizer.count === 0 || distinct >= limits.minRequests) return [];
  return [
    {
      field: 'inputs',
      message: `${label} runs batches of at least ${limits.minRequests} requests; this job has ${distinct} distinct inputs`,
    },
  ];
}

/** Throws every problem of the job once all its inputs were read (or the reading stopped at MAX_INPUTS). */
export function assertValid(prepared: PreparedIntake): void {
  const { headerProblems, normalizer } = prepared;
  const problems = [
    ...headerProblems,
    ...normalizer.problems,
    ...countProblems(normalizer),
    ...minimumProblems(prepared),
  ];
  if (problems.length > 0) throw new JobValidationError(problems);
}

/** Takes the requests a replay skipped back out of the estimate: they are not sent. */
async function uncountSkipped(tx: Sql, jobId: string, estimate: JobEstimate) {
  for await (const page of skippedInputRequests(tx, jobId)) {
    for (const row of page) estimate.remove(row.request as UnifiedRequest);
  }
}

/**
 * The one intake path behind the SDK and both HTTP bodies (JSON and NDJSON): validates the header, then streams
 * the inputs one at a time into Postgres inside one transaction, and queues the submission once it committed. A
 * problem anywhere, header or any input, or a project budget the job does not fit, rolls everything back: no
 * rows, no queued work. `claim` records an Idempotency-Key with the job, last, in the same transaction.
 */
export async function intakeJob(
  deps: IntakeDeps,
  rawHeader: unknown,
  inputs: AsyncIterable<unknown> | Iterable<unknown>,
  claim?: KeyClaim,
): Promise<SubmitResponse> {
  const prepared = await prepareIntake(deps, rawHeader, inputs, 'submit');
  const { job, normalizer, estimate } = prepared;
  const rows = (async function* (): AsyncGenerator<NormalizedInput> {
    for await (const raw of inputs) {
      const row = normalizer.add(raw);
      // One input over MAX_INPUTS: the rest is not read, and `totals` refuses the job.
      if (normalizer.full) return;
      if (!acceptable(prepared, row)) continue;
      estimate.add(row.request);
      yield row;
    }
  })();
  const totals = () => {
    assertValid(prepared);
    return { inputCount: normalizer.count, duplicates: normalizer.duplicates, aliases: normalizer.aliases };
  };
  let response: SubmitResponse | undefined;
  const outcome = await insertJob(deps.sql, job, rows, totals, async (tx, inserted) => {
    if (inserted.skippedDone > 0) await uncountSkipped(tx, job.id, estimate);
    await enforceBudget(tx, {
      project: job.project,
      provider: job.provider,
      model: job.model,
      totals: estimate.totals(),
    });
    await setJobWorstCase(tx, job.id, estimate.worstCaseUsd());
    response = {
      job_id: job.id,
      status: inserted.status,
      run_id: job.runId,
      inputs: normalizer.count,
      duplicates: normalizer.duplicates,
      skipped_done: inserted.skippedDone,
      awaiting: inserted.awaiting,
      to_send: inserted.toSend,
    };
    await claim?.(tx, response);
  });
  // The job is committed: queueing it is bounded in time, and when Redis is down the sweeper queues it.
  if (outcome.toSend > 0) await enqueueAfterCommit(deps.queues, job.id, deps.log);
  return response!;
}

/** A job whose `inputs` are missing (undefined) or not an array: that, and every problem of its other fields. */
export function inputsNotAnArray(header: unknown, inputs: unknown): JobValidationError {
  const problem = {
    field: 'inputs',
    message: inputs === undefined ? 'required' : 'must be an array of inputs',
  };
  const parsed = jobHeaderSchema.safeParse(header, { error: requiredMessage });
  return new JobValidationError([...(parsed.success ? [] : problemsFromZod(parsed.error)), problem]);
}

/** Splits a whole job in one object (the SDK) into its header and inputs. */
export function splitJobBody(body: unknown): { header: unknown; inputs: unknown[] } {
  const { inputs, ...header } = (body && typeof body === 'object' ? body : {}) as { inputs?: unknown };
  if (!Array.isArray(inputs)) throw inputsNotAnArray(header, inputs);
  return { header, inputs };
}
