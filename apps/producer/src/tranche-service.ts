import { requestCancel, type Sql } from '@tranche/db';
import type { TrancheQueues } from '@tranche/queues';
import type { IntakeDefaults } from './intake/normalize';
import { intakeJob, type SubmitResponse, submitJob } from './intake/submit-job';
import { type JobView, loadJobView } from './jobs/job-view';
import { type JobResult, jobResults } from './jobs/result-lines';

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The operations the SDK and the HTTP API share: one code path for both. */
export class TrancheService {
  constructor(
    readonly sql: Sql,
    readonly queues: TrancheQueues,
    readonly defaults: IntakeDefaults,
  ) {}

  submit(spec: unknown): Promise<SubmitResponse> {
    return submitJob(this.intakeDeps(), spec);
  }

  /** A job whose inputs arrive one at a time (an NDJSON body): never held in memory whole. */
  submitStream(header: unknown, inputs: AsyncIterable<unknown> | Iterable<unknown>): Promise<SubmitResponse> {
    return intakeJob(this.intakeDeps(), header, inputs);
  }

  private intakeDeps() {
    return { sql: this.sql, queues: this.queues, defaults: this.defaults };
  }

  async get(jobId: string): Promise<JobView> {
    const view = UUID.test(jobId) ? await loadJobView(this.sql, jobId) : null;
    if (!view) throw new JobNotFoundError(jobId);
    return view;
  }

  async results(jobId: string): Promise<AsyncGenerator<JobResult>> {
    await this.get(jobId);
    return jobResults(this.sql, jobId);
  }

  async cancel(jobId: string): Promise<JobView> {
    if (!UUID.test(jobId)) throw new JobNotFoundError(jobId);
    const outcome = await requestCancel(this.sql, jobId, 'user');
    if (outcome.kind === 'not_found') throw new JobNotFoundError(jobId);
    if (outcome.kind === 'already_finished') throw new JobAlreadyFinishedError(jobId, outcome.status);
    for (const batchId of outcome.batchesToWake) await this.queues.pollNow(batchId);
    return this.get(jobId);
  }
}
