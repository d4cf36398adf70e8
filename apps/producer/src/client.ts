import { createHash } from 'node:crypto';
import type { JobSpec } from '@tranche/contracts';
import {
  assertSchemaCurrent,
  type CostSummary,
  connect,
  costSummary,
  type Database,
  isTerminal,
  type PoolMode,
} from '@tranche/db';
import { loadPricer } from '@tranche/pricing';
import { createQueues, type RedisConnection, redisConnection, type TrancheQueues } from '@tranche/queues';
import { z } from 'zod';
import { Authenticator } from './auth/authenticator';
import type { Caller } from './auth/caller';
import { type CostOptions, costRequest } from './costs/cost-query';
import { canonicalJson } from './intake/custom-id';
import type { DryRunResponse } from './intake/dry-run';
import { type IdempotentRequest, parseIdempotencyKey } from './intake/idempotency';
import { DEFAULT_INTAKE_LIMITS } from './intake/limits';
import { type SubmitResponse, splitJobBody } from './intake/submit-job';
import type { JobView } from './jobs/job-view';
import type { JobResult } from './jobs/result-lines';
import { type BudgetView, DEFAULT_CHUNK_CAPS, TrancheService } from './tranche-service';

export interface BatchClientOptions {
  /**
   * A project key (`trk_...`, from `POST /v1/keys`): the client then may do exactly what the key may over HTTP, and
   * a revoked key fails the next call. Without one the client acts as the operator (it holds the database's
   * credentials, which reach every project anyway).
   */
  apiKey?: string;
  databaseUrl: string;
  /** The workers' DATABASE_POOL_MODE: `transaction` when databaseUrl goes through a pooler in transaction mode. */
  databasePoolMode?: PoolMode;
  /** The queues' Redis; on a Redis Cluster, `redisClusterNodes` instead. */
  redisUrl?: string;
  /** Some nodes of the workers' Redis Cluster (their REDIS_CLUSTER_NODES); `queuePrefix` then needs a hash tag. */
  redisClusterNodes?: string[];
  /** Must match the workers' QUEUE_PREFIX. */
  queuePrefix?: string;
  /** Defaults for jobs that do not set their own options. */
  pollIntervalS?: number;
  timeoutH?: number;
  maxAttempts?: number;
  /** An operator's price table over the built-in one, as the workers' PRICES_FILE. */
  pricesFile?: string;
  /** The workers' CHUNK_MAX_REQUESTS and CHUNK_MAX_BYTES (default 10,000 and 100 MiB), for `estimate`'s chunks. */
  chunkMaxRequests?: number;
  chunkMaxBytes?: number;
  /** The API's MAX_INPUTS, MAX_INPUT_BYTES and MIN_POLL_INTERVAL_S (default 1,000,000, 32 MiB and 30). */
  maxInputs?: number;
  maxInputBytes?: number;
  minPollIntervalS?: number;
  /** As the API's WEBHOOK_ALLOW_PRIVATE: `options.webhook_url` may reach loopback and private addresses. */
  webhookAllowPrivate?: boolean;
}

export interface SubmitOptions {
  /**
   * As the HTTP API's `Idempotency-Key`: the same key with the same job within 24 hours answers what the first
   * submit got and creates nothing; with another job, `IdempotencyKeyReusedError`. Keys of the SDK and of the HTTP
   * API are apart.
   */
  idempotencyKey?: string;
}

/** A job as the SDK takes it: like the HTTP body, but `output.schema` may also be a zod schema. */
export type SdkJobSpec = Omit<JobSpec, 'output'> & {
  output?: { schema: Record<string, unknown> | z.ZodType; name?: string };
};

function withJsonSchema<T extends { output?: SdkJobSpec['output'] }>(spec: T): T {
  const schema = spec.output?.schema;
  if (!(schema instanceof z.ZodType)) return spec;
  const { $schema: _draft, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { ...spec, output: { ...spec.output, schema: jsonSchema } };
}

/**
 * The producer SDK: a Node service submits jobs and reads them back directly through Postgres and Redis, on the
 * same code path as the HTTP API. It never migrates: on a database whose schema is not this code's, every call
 * throws a SchemaVersionError (start or upgrade the API first, or upgrade this package).
 */
export class BatchClient {
  private readonly db: Database;
  private readonly redis: RedisConnection;
  private readonly queues: TrancheQueues;
  private readonly service: TrancheService;
  private readonly auth: Authenticator;
  /** Set once the schema was found current; a failed check is made again on the next call. */
  private schemaChecked: Promise<void> | null = null;

  constructor(private readonly options: BatchClientOptions) {
    // First: a bad price table must not leave connections open behind the error.
    const pricer = loadPricer(options.pricesFile);
    const redisTarget = options.redisClusterNodes
      ? { clusterNodes: options.redisClusterNodes }
      : options.redisUrl;
    if (!redisTarget) throw new Error('BatchClient: redisUrl (or redisClusterNodes) is required');
    this.db = connect(options.databaseUrl, { max: 5, poolMode: options.databasePoolMode });
    this.redis = redisConnection(redisTarget);
    this.queues = createQueues(this.redis, options.queuePrefix ?? 'tranche');
    this.auth = new Authenticator(this.db.sql, []);
    this.service = new TrancheService(
      this.db.sql,
      this.queues,
      {
        pollIntervalS: options.pollIntervalS ?? 300,
        timeoutH: options.timeoutH ?? 30,
        maxAttempts: options.maxAttempts ?? 3,
      },
      pricer,
      {
        maxRequests: options.chunkMaxRequests ?? DEFAULT_CHUNK_CAPS.maxRequests,
        maxBytes: options.chunkMaxBytes ?? DEFAULT_CHUNK_CAPS.maxBytes,
      },
      {
        limits: {
          maxInputs: options.maxInputs ?? DEFAULT_INTAKE_LIMITS.maxInputs,
          maxInputBytes: options.maxInputBytes ?? DEFAULT_INTAKE_LIMITS.maxInputBytes,
          minPollIntervalS: options.minPollIntervalS ?? DEFAULT_INTAKE_LIMITS.minPollIntervalS,
        },
        webhooks: { allowPrivate: options.webhookAllowPrivate ?? false },
      },
    );
  }

  /**
   * The database is on this code's schema (the API and the workers migrate it, never this client), and who this
   * client is, looked up on every call so that a revoked key stops at once.
   */
  private async ready(): Promise<Caller> {
    this.schemaChecked ??= assertSchemaCurrent(this.db.sql).catch((error: unknown) => {
      this.schemaChecked = null;
      throw error;
    });
    await this.schemaChecked;
    return this.auth.sdkCaller(this.options.apiKey);
  }

  /** Submits a job. `output.schema` may be a JSON Schema or a zod schema (converted with `z.toJSONSchema`). */
  async submit(spec: SdkJobSpec, options: SubmitOptions = {}): Promise<SubmitResponse> {
    const key = parseIdempotencyKey(options.idempotencyKey, 'idempotencyKey');
    const caller = await this.ready();
    const job = withJsonSchema(spec);
    // The SDK has no body as received: the job's canonical JSON (key order aside) stands for it.
    const request: IdempotentRequest | null =
      key === null
        ? null
        : {
            scope: `sdk:${caller.keyId}`,
            key,
            field: 'idempotencyKey',
            bodySha256: () => createHash('sha256').update(canonicalJson(job)).digest('hex'),
            drain: async () => {},
          };
    return (await this.service.submitOnce(caller, request, async () => splitJobBody(job))).body;
  }

  /**
   * A dry run of `submit`: the same validation (and errors), token estimates, the worst-case cost, the chunks the
   * workers would plan and the project's budget, with nothing written or queued.
   */
  async estimate(spec: SdkJobSpec): Promise<DryRunResponse> {
    return this.service.estimate(await this.ready(), withJsonSchema(spec));
  }

  /** Creates or replaces a project's monthly budget (USD, a number or a decimal string). */
  async setBudget(project: string, monthlyUsd: number | string): Promise<BudgetView> {
    return this.service.setBudget(await this.ready(), project, { monthly_usd: monthlyUsd });
  }

  /** The project's budget and where it stands this month; `BudgetNotFoundError` when it has none. */
  async getBudget(project: string): Promise<BudgetView> {
    return this.service.getBudget(await this.ready(), project);
  }

  async listBudgets(): Promise<BudgetView[]> {
    return this.service.listBudgets(await this.ready());
  }

  async deleteBudget(project: string): Promise<void> {
    return this.service.deleteBudget(await this.ready(), project);
  }

  /** The same job as NDJSON-style input: the inputs are read one at a time from any (async) iterable. */
  async submitStream(
    header: Omit<SdkJobSpec, 'inputs'>,
    inputs: AsyncIterable<JobSpec['inputs'][number]> | Iterable<JobSpec['inputs'][number]>,
  ): Promise<SubmitResponse> {
    return this.service.submitStream(await this.ready(), withJsonSchema(header), inputs);
  }

  async get(jobId: string): Promise<JobView> {
    return this.service.get(await this.ready(), jobId);
  }

  /** Every input of the job, in input order, with its result (or `pending`). */
  async *results(jobId: string): AsyncGenerator<JobResult> {
    yield* await this.service.results(await this.ready(), jobId);
  }

  async cancel(jobId: string): Promise<JobView> {
    return this.service.cancel(await this.ready(), jobId);
  }

  /**
   * Cost, sync-equivalent cost, savings, tokens and result counts over a window (`24h`, `7d`, `30d`, default;
   * `<ISO from>..<ISO to>`; or `from`/`to`), per group of `groupBy` keys: the same figures as `GET /v1/costs`.
   */
  async costs(options: CostOptions = {}): Promise<CostSummary> {
    const request = costRequest(options);
    const caller = await this.ready();
    return costSummary(this.db.sql, { ...request, scope: caller.projects });
  }

  /** Resolves when the job reaches a terminal status. */
  async wait(
    jobId: string,
    options: { intervalMs?: number; timeoutMs?: number; onProgress?: (job: JobView) => void } = {},
  ): Promise<JobView> {
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      const job = await this.get(jobId);
      options.onProgress?.(job);
      if (isTerminal(job.status)) return job;
      if (Date.now() > deadline)
        throw new Error(`job ${jobId} still ${job.status} after ${options.timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2_000));
    }
  }

  async close(): Promise<void> {
    await this.queues.close();
    this.redis.disconnect();
    await this.db.close();
  }
}
