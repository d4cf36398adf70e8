import type { ProviderLimits } from '@tranche/adapters';
import { chunkCapsEnvSchema, type Logger } from '@tranche/config';
import type { BudgetView, JobListQuery } from '@tranche/contracts';
import {
  type Budget,
  type BudgetStatus,
  budgetStatus,
  budgetStatuses,
  deleteBudget,
  getBudget,
  getJob,
  InvalidJobCursorError,
  type JobFailures,
  type JobListPage,
  jobFailures,
  listBudgets,
  listJobs,
  requestCancel,
  type Sql,
  setBudget,
} from '@tranche/db';
import type { Pricer } from '@tranche/pricing';
import { pricingOf } from '@tranche/pricing';
import type { TrancheQueues } from '@tranche/queues';
import { type Caller, canSee, requireAdmin, requireWriter } from './auth/caller';
import type { NdjsonText } from './http/ndjson-stream';
import { parseBudgetBody, parseProject } from './intake/budget-input';
import { type DryRunResponse, dryRunJob } from './intake/dry-run';
import { type IdempotentRequest, type SubmitAnswer, submitOnce } from './intake/idempotency';
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from './intake/limits';
import type { IntakeDefaults } from './intake/normalize';
import { QueryParameterError } from './intake/query-parameters';
import { type IntakeDeps, intakeJob, type SubmitResponse, splitJobBody } from './intake/submit-job';
import { JobAggregatesCache } from './jobs/job-aggregates';
import { type JobView, loadJobView } from './jobs/job-view';
import { type JobResult, jobResults, jobResultsNdjson } from './jobs/result-lines';

export class JobNotFoundError extends Error {
  readonly status = 404;
  constructor(readonly jobId: string) {
    super(`no job ${jobId}`);
    this.name = 'JobNotFoundError';
  }
}

export class JobAlreadyFinishedError extends Error {
  readonly status = 409;
  constructor(
    readonly jobId: string,
    readonly jobStatus: string,
  ) {
    super(`job ${jobId} already finished (${jobStatus})`);
    this.name = 'JobAlreadyFinishedError';
  }
}

export class BudgetNotFoundError extends Error {
  readonly status = 404;
  constructor(readonly project: string) {
    super(`project ${project} has no budget`);
    this.name = 'BudgetNotFoundError';
  }
}

/** A budget as the API shows it: the amount, and where the project stands this month (UTC). */
export type { BudgetView };

/** The workers' default CHUNK_MAX_REQUESTS and CHUNK_MAX_BYTES (their environment's defaults). */
const defaultCaps = chunkCapsEnvSchema.parse({});
export const DEFAULT_CHUNK_CAPS: ProviderLimits = {
  maxRequests: defaultCaps.CHUNK_MAX_REQUESTS,
  maxBytes: defaultCaps.CHUNK_MAX_BYTES,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A job's header and its inputs, read only when the job is to be taken in (not for a replayed key). */
export type JobReader = () => Promise<{
  header: unknown;
  inputs: AsyncIterable<unknown> | Iterable<unknown>;
}>;

/** The operations the SDK and the HTTP API share: one code path for both. */
export class TrancheService {
  constructor(
    readonly sql: Sql,
    readonly queues: TrancheQueues,
    readonly defaults: IntakeDefaults,
    /** The price table results are priced with (the workers load the same one). */
    readonly pricer: Pricer,
    /** The workers' cap on one provider batch: dry runs plan their chunks under it. */
    readonly chunkCaps: ProviderLimits = DEFAULT_CHUNK_CAPS,
    /**
     * The operator's bounds on a job, where a submission that Redis did not take in time is reported, and whether
     * a job's webhook_url may point at a private address (WEBHOOK_ALLOW_PRIVATE).
     */
    private readonly intake: {
      limits?: IntakeLimits;
      log?: Logger;
      webhooks?: { allowPrivate: boolean };
      /** How long a running job's sums in its view may be reused (JOB_VIEW_REFRESH_MS; 0: computed each time). */
      jobViewRefreshMs?: number;
    } = {},
  ) {
    this.jobAggregates = new JobAggregatesCache(intake.jobViewRefreshMs ?? 0);
  }

  private readonly jobAggregates: JobAggregatesCache;

  /** MAX_INPUTS, MAX_INPUT_BYTES and MIN_POLL_INTERVAL_S. */
  get limits(): IntakeLimits {
    return this.intake.limits ?? DEFAULT_INTAKE_LIMITS;
  }

  /** A job whose inputs arrive one at a time (an NDJSON body): never held in memory whole. */
  async submitStream(
    caller: Caller,
    header: unknown,
    inputs: AsyncIterable<unknown> | Iterable<unknown>,
  ): Promise<SubmitResponse> {
    return (await this.submitOnce(caller, null, async () => ({ header, inputs }))).body;
  }

  /**
   * A submit with an idempotency key (or none): the same key and body within 24 hours answers what the first
   * request was answered, without reading the job; the same key with another body is an `IdempotencyKeyReusedError`.
   */
  submitOnce(caller: Caller, request: IdempotentRequest | null, read: JobReader): Promise<SubmitAnswer> {
    requireWriter(caller);
    return submitOnce(this.sql, request, async (claim) => {
      const { header, inputs } = await read();
      return intakeJob(this.intakeDeps(caller), header, inputs, claim);
    });
  }

  /** What a submit of this job would do and cost, without writing or queueing anything (viewers may ask too). */
  estimate(caller: Caller, spec: unknown): Promise<DryRunResponse> {
    const { header, inputs } = splitJobBody(spec);
    return dryRunJob(this.intakeDeps(caller), header, inputs);
  }

  estimateStream(
    caller: Caller,
    header: unknown,
    inputs: AsyncIterable<unknown> | Iterable<unknown>,
  ): Promise<DryRunResponse> {
    return dryRunJob(this.intakeDeps(caller), header, inputs);
  }

  private intakeDeps(caller: Caller): IntakeDeps {
    return {
      caller,
      webhooks: this.intake.webhooks ?? { allowPrivate: false },
      sql: this.sql,
      queues: this.queues,
      defaults: this.defaults,
      pricer: this.pricer,
      chunkCaps: this.chunkCaps,
      limits: this.limits,
      ...(this.intake.log ? { log: this.intake.log } : {}),
    };
  }

  /** Creates or replaces the project's monthly budget: an admin's call. */
  async setBudget(caller: Caller, project: unknown, body: unknown): Promise<BudgetView> {
    requireAdmin(caller);
    const name = parseProject(project);
    const budget = await setBudget(this.sql, name, parseBudgetBody(body));
    return this.budgetView(budget, await budgetStatus(this.sql, name));
  }

  /** Another project's budget is not found, as one that does not exist. */
  async getBudget(caller: Caller, project: unknown): Promise<BudgetView> {
    const name = parseProject(project);
    const budget = canSee(caller, name) ? await getBudget(this.sql, name) : null;
    if (!budget) throw new BudgetNotFoundError(name);
    return this.budgetView(budget, await budgetStatus(this.sql, name));
  }

  async listBudgets(caller: Caller): Promise<BudgetView[]> {
    const [budgets, statuses] = await Promise.all([
      listBudgets(this.sql),
      budgetStatuses(this.sql, new Date(), caller.projects),
    ]);
    const byProject = new Map(statuses.map((s) => [s.project, s]));
    // A budget deleted between the two reads is left out.
    return budgets.flatMap((budget) => {
      const status = byProject.get(budget.project);
      return status ? [this.budgetView(budget, status)] : [];
    });
  }

  async deleteBudget(caller: Caller, project: unknown): Promise<void> {
    requireAdmin(caller);
    const name = parseProject(project);
    if (!(await deleteBudget(this.sql, name))) throw new BudgetNotFoundError(name);
  }

  private budgetView(budget: Budget, status: BudgetStatus | null): BudgetView {
    if (!status) throw new BudgetNotFoundError(budget.project);
    return {
      project: budget.project,
      monthly_usd: budget.monthly_usd,
      created_at: budget.created_at.toISOString(),
      updated_at: budget.updated_at.toISOString(),
      status,
    };
  }

  /** The job; another project's job is not found, exactly as an id that does not exist. */
  async get(caller: Caller, jobId: string): Promise<JobView> {
    const view = UUID.test(jobId)
      ? await loadJobView(this.sql, jobId, caller.projects, this.jobAggregates)
      : null;
    if (!view) throw new JobNotFoundError(jobId);
    return view;
  }

  async results(caller: Caller, jobId: string): Promise<AsyncGenerator<JobResult>> {
    const job = await this.visibleJob(caller, jobId);
    return jobResults(this.sql, jobId, job.kind === 'embedding' ? 'embedding' : 'chat');
  }

  /**
   * The job's result lines as NDJSON text, and how many lines there are before any is read: one per input sent,
   * duplicates included (`jobs.input_count`), so that a reader can tell a stream that was cut from a whole one.
   */
  async resultLines(
    caller: Caller,
    jobId: string,
  ): Promise<{ count: number; lines: AsyncGenerator<NdjsonText> }> {
    const job = await this.visibleJob(caller, jobId);
    const kind = job.kind === 'embedding' ? 'embedding' : 'chat';
    return { count: job.input_count, lines: jobResultsNdjson(this.sql, jobId, kind) };
  }

  /** Members and admins; a viewer learns only whether the job is its project's (404 otherwise, 403 if so). */
  async cancel(caller: Caller, jobId: string): Promise<JobView> {
    await this.visibleJob(caller, jobId);
    requireWriter(caller);
    const outcome = await requestCancel(this.sql, jobId, 'user', pricingOf(this.pricer));
    if (outcome.kind === 'not_found') throw new JobNotFoundError(jobId);
    if (outcome.kind === 'already_finished') throw new JobAlreadyFinishedError(jobId, outcome.status);
    for (const batchId of outcome.batchesToWake) await this.queues.pollNow(batchId);
    return this.get(caller, jobId);
  }

  /** The caller's jobs (its projects only), newest first, a page at a time. */
  async listJobs(caller: Caller, query: JobListQuery): Promise<JobListPage> {
    try {
      return await listJobs(this.sql, {
        scope: caller.projects,
        project: query.project,
        statuses: query.status,
        provider: query.provider,
        runId: query.run_id,
        limit: query.limit,
        cursor: query.cursor,
      });
    } catch (error) {
      if (error instanceof InvalidJobCursorError) throw new QueryParameterError('cursor', error.message);
      throw error;
    }
  }

  /** The job's failures by reason; another project's job is not found, as in `get`. */
  async failures(caller: Caller, jobId: string, examples?: number): Promise<JobFailures> {
    await this.visibleJob(caller, jobId);
    return jobFailures(this.sql, jobId, examples);
  }

  private async visibleJob(caller: Caller, jobId: string) {
    const job = UUID.test(jobId) ? await getJob(this.sql, jobId) : null;
    if (!job || !canSee(caller, job.project)) throw new JobNotFoundError(jobId);
    return job;
  }
}
