import { WaitTimeoutError } from './errors.js';
import { newIdempotencyKey } from './idempotency-key.js';
import type { UploadProgress } from './ndjson-body.js';
import { resultLines } from './results.js';
import { sleep } from './sleep.js';
import { type JobToSubmit, submissionBody } from './submission.js';
import { type FetchLike, type Query, Transport } from './transport.js';
import type {
  BudgetInput,
  BudgetList,
  BudgetView,
  CostSummary,
  CreatedKey,
  DryRunResponse,
  Health,
  JobFailures,
  JobList,
  JobResult,
  JobStatus,
  JobView,
  KeyList,
  Me,
  NewKey,
  SubmitResponse,
  WebhookSecret,
} from './types.js';

/** The statuses a job never leaves. */
export const TERMINAL_STATUSES: readonly JobStatus[] = [
  'completed',
  'completed_with_failures',
  'failed',
  'cancelled',
  'timed_out',
];

export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.includes(status);

export interface TrancheClientOptions {
  /** The API's base URL, e.g. `https://tranche.internal.example` (paths start at `/v1`). */
  url: string;
  /** A key, sent as `Authorization: Bearer <key>`; none in the API's open mode. */
  apiKey?: string;
  /** The fetch to use (a test's, a proxy's); the global one by default. */
  fetch?: FetchLike;
  /** How many times a call that is safe to repeat is sent again (default 3). */
  maxRetries?: number;
  /** How long one attempt may wait for the answer's headers, upload included; none by default. */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface SubmitOptions extends CallOptions {
  /**
   * Sent as `Idempotency-Key`: the same on every retry, so a retried submit never makes two jobs. A fresh random
   * one per call by default; give your own to make a submit safe to repeat across restarts; `false` sends none
   * (the submit is then never retried).
   */
  idempotencyKey?: string | false;
  /** Called as the body is handed to fetch: inputs and bytes so far (of the current attempt). */
  onUpload?: (progress: UploadProgress) => void;
}

export interface EstimateOptions extends CallOptions {
  onUpload?: (progress: UploadProgress) => void;
}

export interface WaitOptions extends CallOptions {
  /** Between two looks at the job (default 2000). */
  intervalMs?: number;
  /** Give up after this long with a WaitTimeoutError (the job goes on); no limit by default. */
  timeoutMs?: number;
  /** Called with every view of the job, the last (finished) one included. */
  onProgress?: (job: JobView) => void;
}

export interface ResultsOptions extends CallOptions {
  /** Yield the failed results only (every line is still read and counted). */
  failedOnly?: boolean;
}

export interface JobsQuery extends CallOptions {
  project?: string;
  /** One status or several. */
  status?: JobStatus | readonly JobStatus[];
  provider?: string;
  runId?: string;
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

export interface FailuresOptions extends CallOptions {
  /** Examples per reason. */
  examples?: number;
}

/** The parameters of `GET /v1/costs`. */
export interface CostQuery extends CallOptions {
  /** `24h`, `7d`, `30d` (default) or `<ISO from>..<ISO to>`. */
  window?: string;
  /** Among project, owner, environment, provider, model; none gives one total. */
  group_by?: string | readonly string[];
}

const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_WAIT_INTERVAL_MS = 2_000;

const segment = (value: string) => encodeURIComponent(value);
const list = (value: string | readonly string[] | undefined) =>
  typeof value === 'string' || value === undefined ? value : value.join(',');

/** A client of Tranche's HTTP API: submit jobs, follow them, read their results, costs, budgets and keys. */
export class TrancheClient {
  private readonly http: Transport;

  /** Monthly budgets per project (setting and deleting one takes an admin key). */
  readonly budgets: {
    list(options?: CallOptions): Promise<BudgetList>;
    get(project: string, options?: CallOptions): Promise<BudgetView>;
    set(project: string, budget: BudgetInput, options?: CallOptions): Promise<BudgetView>;
    delete(project: string, options?: CallOptions): Promise<void>;
  };

  /** API keys (admin keys only). */
  readonly keys: {
    list(options?: CallOptions): Promise<KeyList>;
    create(key: NewKey, options?: CallOptions): Promise<CreatedKey>;
    revoke(id: string, options?: CallOptions): Promise<void>;
  };

  constructor(options: TrancheClientOptions) {
    if (!options?.url) throw new TypeError('TrancheClient needs the API url');
    this.http = new Transport({
      url: options.url,
      apiKey: options.apiKey,
      fetch: options.fetch,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      timeoutMs: options.timeoutMs,
    });
    const get = <T>(path: string, options?: CallOptions, query?: Query) =>
      this.http.json<T>({ method: 'GET', path, query, retryable: true, signal: options?.signal });
    this.budgets = {
      list: (o) => get('/v1/budgets', o),
      get: (project, o) => get(`/v1/budgets/${segment(project)}`, o),
      set: (project, budget, o) =>
        this.http.json({
          method: 'PUT',
          path: `/v1/budgets/${segment(project)}`,
          body: () => jsonBody(budget),
          retryable: false,
          signal: o?.signal,
        }),
      delete: async (project, o) => {
        await this.http.send({
          method: 'DELETE',
          path: `/v1/budgets/${segment(project)}`,
          retryable: false,
          signal: o?.signal,
        });
      },
    };
    this.keys = {
      list: (o) => get('/v1/keys', o),
      create: (key, o) =>
        this.http.json({
          method: 'POST',
          path: '/v1/keys',
          body: () => jsonBody(key),
          retryable: false,
          signal: o?.signal,
        }),
      revoke: async (id, o) => {
        await this.http.send({
          method: 'DELETE',
          path: `/v1/keys/${segment(id)}`,
          retryable: false,
          signal: o?.signal,
        });
      },
    };
  }

  /**
   * Submits a job. Inputs given as an array go as one JSON body; any other iterable or async iterable is streamed as
   * NDJSON, an input read only when the connection takes more. Retried (with the same Idempotency-Key) when the
   * body can be sent again: an array, or inputs given as a function returning a fresh iterable.
   */
  async submit(job: JobToSubmit, options: SubmitOptions = {}): Promise<SubmitResponse> {
    const body = submissionBody(job, options.onUpload);
    const key = options.idempotencyKey === false ? null : (options.idempotencyKey ?? newIdempotencyKey());
    return this.http.json({
      method: 'POST',
      path: '/v1/jobs',
      body: body.next,
      headers: key === null ? {} : { 'idempotency-key': key },
      retryable: key !== null && body.replayable,
      signal: options.signal,
    });
  }

  /** What submitting `job` would do (tokens, worst-case cost, batches, budget); nothing is written or sent. */
  async estimate(job: JobToSubmit, options: EstimateOptions = {}): Promise<DryRunResponse> {
    const body = submissionBody(job, options.onUpload);
    return this.http.json({
      method: 'POST',
      path: '/v1/jobs',
      query: { dry_run: true },
      body: body.next,
      // A dry run writes nothing: sending it again is safe whenever the body can be.
      retryable: body.replayable,
      signal: options.signal,
    });
  }

  /** The job's status, reconciliation, usage, cost and provider batches. */
  get(jobId: string, options?: CallOptions): Promise<JobView> {
    return this.http.json({
      method: 'GET',
      path: `/v1/jobs/${segment(jobId)}`,
      retryable: true,
      signal: options?.signal,
    });
  }

  /** Looks at the job every `intervalMs` until it finishes, and returns its final view. */
  async wait(jobId: string, options: WaitOptions = {}): Promise<JobView> {
    const interval = options.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    for (;;) {
      const job = await this.get(jobId, options);
      options.onProgress?.(job);
      if (isTerminal(job.status)) return job;
      if (deadline !== undefined && Date.now() + interval > deadline)
        throw new WaitTimeoutError(
          `job ${jobId} is still ${job.status} after ${options.timeoutMs} ms (it goes on)`,
          job,
        );
      await sleep(interval, options.signal);
    }
  }

  /**
   * One result per input, in input order, read from the stream as it arrives. Throws IncompleteResultsError when
   * the stream ends before the `X-Result-Count` it announced (a cut connection): read it again.
   */
  async *results(jobId: string, options: ResultsOptions = {}): AsyncGenerator<JobResult, void, undefined> {
    const response = await this.http.send({
      method: 'GET',
      path: `/v1/jobs/${segment(jobId)}/results`,
      accept: 'application/x-ndjson',
      retryable: true,
      signal: options.signal,
    });
    const keep = options.failedOnly ? (r: JobResult) => r.status === 'failed' : undefined;
    yield* resultLines(response, keep, options.signal);
  }

  /** Asks the job to stop: its view, now `cancelling`; a ConflictError when it had already finished. */
  cancel(jobId: string, options?: CallOptions): Promise<JobView> {
    return this.http.json({
      method: 'POST',
      path: `/v1/jobs/${segment(jobId)}/cancel`,
      retryable: false,
      signal: options?.signal,
    });
  }

  /** The jobs of the key's projects, newest first, a page at a time (`next_cursor` for the next). */
  jobs(query: JobsQuery = {}): Promise<JobList> {
    return this.http.json({
      method: 'GET',
      path: '/v1/jobs',
      query: {
        project: query.project,
        status: list(query.status),
        provider: query.provider,
        run_id: query.runId,
        limit: query.limit,
        cursor: query.cursor,
      },
      retryable: true,
      signal: query.signal,
    });
  }

  /** The job's failures grouped by reason, with a few examples of each. */
  failures(jobId: string, options: FailuresOptions = {}): Promise<JobFailures> {
    return this.http.json({
      method: 'GET',
      path: `/v1/jobs/${segment(jobId)}/failures`,
      query: { examples: options.examples },
      retryable: true,
      signal: options.signal,
    });
  }

  /** Cost, sync-equivalent cost, savings, tokens and result counts over a window, grouped. */
  costs(query: CostQuery = {}): Promise<CostSummary> {
    return this.http.json({
      method: 'GET',
      path: '/v1/costs',
      query: costParameters(query),
      retryable: true,
      signal: query.signal,
    });
  }

  /** The same as CSV. */
  async costsCsv(query: CostQuery = {}): Promise<string> {
    const response = await this.http.send({
      method: 'GET',
      path: '/v1/costs',
      query: { ...costParameters(query), format: 'csv' },
      accept: 'text/csv',
      retryable: true,
      signal: query.signal,
    });
    return response.text();
  }

  /** Who the key is: its id, name, role and projects. */
  me(options?: CallOptions): Promise<Me> {
    return this.http.json({ method: 'GET', path: '/v1/me', retryable: true, signal: options?.signal });
  }

  /**
   * Creates or rotates the project's job-webhook secret (admin keys only) and returns it: it is shown this once.
   * The previous one keeps signing too until `previous_valid_until`.
   */
  rotateWebhookSecret(project: string, options?: CallOptions): Promise<WebhookSecret> {
    return this.http.json({
      method: 'POST',
      path: `/v1/projects/${segment(project)}/webhook-secret`,
      retryable: false,
      signal: options?.signal,
    });
  }

  /** Whether the API, its Postgres and its Redis are up, and what holds jobs. A 503 is thrown as a ServerError. */
  health(options?: CallOptions): Promise<Health> {
    // What it answers now, not after retries.
    return this.http.json({ method: 'GET', path: '/health', retryable: false, signal: options?.signal });
  }
}

function costParameters(query: CostQuery): Query {
  return { window: query.window, group_by: list(query.group_by) };
}

function jsonBody(value: unknown) {
  return { body: JSON.stringify(value), contentType: 'application/json', streamed: false };
}
