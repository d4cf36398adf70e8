import { BatchEngine } from '../core/batch-engine/engine';
import { requestErrorDraw } from '../core/batch-engine/plan';
import type { EmulatorContext } from '../core/provider';
import type { S3ObjectStore } from '../s3/object-store';
import { bedrockError, validation } from './errors';
import { JOB_IDENTIFIER, jobArn, newJobId } from './ids';
import { writeJobOutputs } from './job-outputs';
import { parseJobParams } from './job-params';
import { type PlanResult, pinInputs, planJob, resolveInputs } from './job-plan';
import { type BedrockJob, type JobStatus, STATUSES } from './job-record';
import { jobStatus, renderJob, type WireJob } from './job-view';
import type { BedrockOptions } from './options';

export interface ListQuery {
  submitTimeAfter: number | null;
  submitTimeBefore: number | null;
  statusEquals: JobStatus | null;
  nameContains: string | null;
  maxResults: number;
  nextToken: string | null;
  sortOrder: 'Ascending' | 'Descending';
}

/** ListModelInvocationJobs without `maxResults`: AWS's default is UNCONFIRMED; 100 makes paging common. */
export const DEFAULT_MAX_RESULTS = 100;

interface TokenUse {
  fingerprint: string;
  arn: string;
}

/** Batch inference jobs: inputs read from the emulated S3 (pinned while the job needs them), outputs written to it. */
export class BedrockJobService {
  private readonly engine: BatchEngine<BedrockJob>;
  /** `clientRequestToken` → the job it created, for as long as the emulator runs (AWS's lifetime: UNCONFIRMED). */
  private tokens = new Map<string, TokenUse>();

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly store: S3ObjectStore,
    private readonly options: () => BedrockOptions,
  ) {
    this.engine = new BatchEngine<BedrockJob>(ctx, {
      provider: 'bedrock',
      profile: { finalizing: false, cancelBeforeRunning: 'cancelling' },
      newId: newJobId,
      notFound: (id) => notFound(id),
      writeResults: (job, run) => writeJobOutputs(job, run, { blobs: ctx.blobs, store }),
      // Our reading (UNCONFIRMED): stopping a stopped job changes nothing; any other ended job cannot be stopped.
      refuseCancel: (job) =>
        job.end === 'cancelled'
          ? null
          : bedrockError(
              'ConflictException',
              `The batch inference job ${job.arn} is in status ${jobStatus(job, ctx.clock.now())} and cannot be stopped.`,
            ),
      onEnded: (job) => this.releaseInputs(job),
      onForgotten: (job) => {
        if (job.writing) void job.writing.finally(() => this.releaseInputs(job));
        else this.releaseInputs(job);
      },
    });
  }

  /**
   * A token seen before answers the job it created when the parameters are the same, and a ConflictException when
   * they differ. AWS documents only that a repeat "is ignored"; both answers are our reading (UNCONFIRMED).
   */
  create(region: string, body: unknown): { jobArn: string } {
    const params = parseJobParams(body);
    const token = params.clientRequestToken;
    if (token !== null) {
      const used = this.tokens.get(token);
      if (used) {
        if (used.fingerprint !== params.fingerprint) {
          throw bedrockError(
            'ConflictException',
            'The clientRequestToken was already used with different parameters for another request.',
          );
        }
        return { jobArn: used.arn };
      }
    }
    const options = { ...this.options() };
    const jobs = this.engine.all();
    // UNCONFIRMED: the wording is what Bedrock's customization jobs answer for a name in use.
    if (
      options.duplicateJobNames === 'refused' &&
      jobs.some((job) => job.params.jobName === params.jobName)
    ) {
      throw validation('The provided job name is currently in use.');
    }
    const limit = options.maxActiveJobsPerModel;
    if (limit !== null) {
      const active = jobs.filter(
        (job) =>
          job.phase !== 'ended' && job.params.model.foundationModelId === params.model.foundationModelId,
      ).length;
      if (active >= limit) {
        throw bedrockError(
          'ServiceQuotaExceededException',
          `The number of in-progress and submitted batch inference jobs for ${params.model.foundationModelId} would exceed its quota of ${limit}.`,
        );
      }
    }
    const { objects, problem } = resolveInputs(this.store, params.inputDataConfig.s3InputDataConfig.s3Uri);
    const job = this.engine.create({
      fields: {
        arn: '',
        region,
        params,
        options,
        inputs: objects,
        inputProblem: problem,
        inputLinks: [],
      },
      requests: objects.reduce((sum, object) => sum + object.lines, 0),
      plan: (job) => this.plan(job),
    });
    job.arn = jobArn(region, job.id);
    if (token !== null) this.tokens.set(token, { fingerprint: params.fingerprint, arn: job.arn });
    return { jobArn: job.arn };
  }

  async get(identifier: string): Promise<WireJob> {
    const job = await this.engine.refresh(this.find(identifier));
    return renderJob(job, this.ctx.clock.now());
  }

  async stop(identifier: string): Promise<void> {
    await this.engine.cancel(this.find(identifier));
  }

  /** The region's jobs, filtered, by submission time; the token is the position after the previous page. */
  async list(
    region: string,
    query: ListQuery,
  ): Promise<{ invocationJobSummaries: WireJob[]; nextToken?: string }> {
    const now = this.ctx.clock.now();
    const jobs = await this.engine.list((job) => job.region === region);
    if (query.sortOrder === 'Ascending') jobs.reverse();
    const after = query.nextToken === null ? null : decodeToken(query.nextToken, query.sortOrder);
    const selected = jobs.filter((job) => {
      if (after !== null && (query.sortOrder === 'Descending' ? job.seq >= after : job.seq <= after))
        return false;
      // Inclusive bounds: our reading (UNCONFIRMED), so a job submitted at the bound is found.
      if (query.submitTimeAfter !== null && job.at.created < query.submitTimeAfter) return false;
      if (query.submitTimeBefore !== null && job.at.created > query.submitTimeBefore) return false;
      if (query.nameContains !== null && !job.params.jobName.includes(query.nameContains)) return false;
      if (query.statusEquals !== null && jobStatus(job, now) !== query.statusEquals) return false;
      return true;
    });
    const page = selected.slice(0, query.maxResults);
    const body: { invocationJobSummaries: WireJob[]; nextToken?: string } = {
      invocationJobSummaries: page.map((job) => renderJob(job, now)),
    };
    if (selected.length > page.length) body.nextToken = encodeToken(page.at(-1)!.seq, query.sortOrder);
    return body;
  }

  reset(): void {
    this.engine.reset();
    this.tokens = new Map();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  /** A job by id or ARN (the path segment, decoded). */
  private find(identifier: string): BedrockJob {
    if (!JOB_IDENTIFIER.test(identifier)) {
      throw validation(
        `1 validation error detected: Value '${identifier}' at 'jobIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ${JOB_IDENTIFIER.source.replace(/^\^|\$$/g, '')}`,
      );
    }
    const id = identifier.slice(identifier.lastIndexOf('/') + 1);
    const job = this.engine.find(id);
    if (!job || (identifier.includes(':') && identifier !== job.arn)) throw notFound(identifier);
    return job;
  }

  /** Pins the inputs, then validates them. A job dropped meanwhile lets go of them at once. */
  private async plan(job: BedrockJob): Promise<PlanResult> {
    if (job.inputProblem !== null) return { ok: false, failure: job.inputProblem };
    const files = await pinInputs(
      job.inputs,
      job.params.inputDataConfig.s3InputDataConfig.s3Uri,
      this.ctx.blobs,
      job.id,
    );
    job.inputLinks = files.map((file) => file.path);
    const result = job.discarded
      ? null
      : await planJob({
          jobId: job.id,
          seq: job.seq,
          model: job.params.model,
          files,
          options: job.options,
          faults: job.faults,
          requestErrors: requestErrorDraw(job.faults, this.ctx.faults, 'bedrock', job.seq),
        });
    if (job.discarded || !result) {
      this.releaseInputs(job);
      return { ok: false, failure: 'The job was dropped while its input was read.' };
    }
    if (!result.ok) this.releaseInputs(job);
    return result;
  }

  private releaseInputs(job: BedrockJob): void {
    const links = job.inputLinks;
    job.inputLinks = [];
    this.ctx.blobs.discard(links);
  }
}

function notFound(identifier: string) {
  return bedrockError(
    'ResourceNotFoundException',
    `The batch inference job ${identifier} could not be found.`,
  );
}

export function parseListQuery(params: URLSearchParams): ListQuery {
  const problems: string[] = [];
  const time = (name: string): number | null => {
    const raw = params.get(name);
    if (raw === null) return null;
    const ms = Date.parse(raw);
    if (Number.isNaN(ms))
      problems.push(`Value '${raw}' at '${name}' failed to satisfy constraint: Member must be a timestamp`);
    return Number.isNaN(ms) ? null : ms;
  };
  const submitTimeAfter = time('submitTimeAfter');
  const submitTimeBefore = time('submitTimeBefore');
  const status = params.get('statusEquals');
  if (status !== null && !(STATUSES as readonly string[]).includes(status)) {
    problems.push(
      `Value '${status}' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
    );
  }
  const rawMax = params.get('maxResults');
  const maxResults = rawMax === null ? DEFAULT_MAX_RESULTS : Number(rawMax);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
    problems.push(
      `Value '${rawMax}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000, inclusive`,
    );
  }
  const sortBy = params.get('sortBy');
  if (sortBy !== null && sortBy !== 'CreationTime') {
    problems.push(
      `Value '${sortBy}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [CreationTime]`,
    );
  }
  const sortOrder = params.get('sortOrder') ?? 'Descending';
  if (sortOrder !== 'Ascending' && sortOrder !== 'Descending') {
    problems.push(
      `Value '${sortOrder}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [Ascending, Descending]`,
    );
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
    throw validation(`${count} detected: ${problems.join('; ')}`);
  }
  return {
    submitTimeAfter,
    submitTimeBefore,
    statusEquals: status as JobStatus | null,
    nameContains: params.get('nameContains'),
    maxResults,
    nextToken: params.get('nextToken'),
    sortOrder: sortOrder as ListQuery['sortOrder'],
  };
}

function encodeToken(seq: number, order: ListQuery['sortOrder']): string {
  return Buffer.from(`${order}:${seq}`).toString('base64url');
}

function decodeToken(token: string, order: ListQuery['sortOrder']): number {
  const match = /^(Ascending|Descending):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match || match[1] !== order) throw validation('The provided nextToken is invalid.');
  return Number(match[2]);
}
