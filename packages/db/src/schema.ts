import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Raw bytes (drizzle-orm 0.45 has no bytea column of its own); postgres.js reads them as a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    kind: text('kind').notNull(),
    /** The job spec without its inputs: defaults, output schema, options. */
    spec: jsonb('spec').notNull(),
    project: text('project').notNull(),
    owner: text('owner').notNull(),
    environment: text('environment'),
    runId: text('run_id').notNull(),
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
    maxAttempts: integer('max_attempts').notNull(),
    pollIntervalS: doublePrecision('poll_interval_s').notNull(),
    /** Inputs the caller sent, before duplicates were collapsed. */
    inputCount: integer('input_count').notNull(),
    duplicates: integer('duplicates').notNull().default(0),
    skippedDone: integer('skipped_done').notNull().default(0),
    error: text('error'),
    /**
     * What the job can cost at most, at batch rates (estimated input tokens plus max_tokens of output per input):
     * counted against the project's budget while the job runs. Null when the model has no price.
     */
    worstCaseUsd: numeric('worst_case_usd', { precision: 24, scale: 12 }),
    /** Set when a cancel or a timeout started: `user` ends as cancelled, `timeout` as timed_out. */
    cancelReason: text('cancel_reason'),
    /**
     * What keeps the job from moving now (a provider outage, missing credentials, a quota), as the last worker that
     * tried saw it; cleared when the job moves again. Shown in the job view and in /health.
     */
    blockedReason: text('blocked_reason'),
    blockedSince: timestamp('blocked_since', { withTimezone: true }),
    /**
     * The API key that submitted the job, as it was then (a key may be revoked later): its id (`api_keys.id`, or
     * `admin:<hash prefix>` for an operator's key) and name. Null for jobs of the SDK without a key, and before 0008.
     */
    submittedByKeyId: text('submitted_by_key_id'),
    submittedByName: text('submitted_by_name'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    timeoutAt: timestamp('timeout_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('jobs_status_idx').on(t.status),
    index('jobs_project_idx').on(t.project, t.createdAt),
    index('jobs_run_idx').on(t.runId),
  ],
);

/**
 * One row per distinct request of a job (duplicates collapse onto the first occurrence; their caller ids and
 * positions are kept in `aliases`). `state`: pending → submitted → succeeded | failed, or skipped (already done
 * in an earlier job of the same run).
 */
export const inputs = pgTable(
  'inputs',
  {
    /**
     * The job's id, with no foreign key: checking one on each of a job's 100,000 rows was a sixth of the `COPY` at
     * intake. Only the job's own transaction writes its inputs; deleting a job still deletes them
     * (`jobs_delete_children`, migration 0011).
     */
    jobId: text('job_id').notNull(),
    customId: text('custom_id').notNull(),
    seq: integer('seq').notNull(),
    callerId: text('caller_id'),
    aliases: jsonb('aliases').$type<Array<{ seq: number; id: string | null }>>(),
    request: jsonb('request').notNull(),
    requestBytes: integer('request_bytes').notNull(),
    state: text('state').notNull(),
    attempts: integer('attempts').notNull().default(0),
    batchId: text('batch_id'),
    lastError: jsonb('last_error'),
    /** Tokens the provider reported over every attempt, failed ones included (an invalid output is still billed). */
    spentInputTokens: integer('spent_input_tokens').notNull().default(0),
    spentOutputTokens: integer('spent_output_tokens').notNull().default(0),
    spentCachedTokens: integer('spent_cached_tokens').notNull().default(0),
    spentCacheWriteTokens: integer('spent_cache_write_tokens').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.customId] }),
    index('inputs_job_seq_idx').on(t.jobId, t.seq),
    index('inputs_batch_idx').on(t.batchId),
    index('inputs_pending_idx').on(t.jobId).where(sql`state = 'pending'`),
  ],
);

export const providerBatches = pgTable(
  'provider_batches',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    /** Deterministic key sent in the provider's metadata, so a batch created before a crash can be adopted. */
    chunkKey: text('chunk_key').notNull(),
    round: integer('round').notNull(),
    /** planned → submitted → (provider states) → ended → fetched */
    state: text('state').notNull(),
    providerStatus: text('provider_status'),
    providerBatchId: text('provider_batch_id'),
    inputFileId: text('input_file_id'),
    outputFileId: text('output_file_id'),
    errorFileId: text('error_file_id'),
    requestCount: integer('request_count').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    counts: jsonb('counts').$type<{ total: number; completed: number; failed: number }>(),
    outcome: text('outcome'),
    /** Why the provider failed the whole batch (validation), as it said. */
    failures: jsonb('failures').$type<Array<{ code: string; message: string; line?: number | null }>>(),
    /** Incremented before each provider call: above 1, an earlier attempt may have created the batch already. */
    submitAttempts: integer('submit_attempts').notNull().default(0),
    createdAt: createdAt(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }),
    cancelSentAt: timestamp('cancel_sent_at', { withTimezone: true }),
    /** When the provider-side objects of this batch (request and result files) were deleted. */
    cleanedAt: timestamp('cleaned_at', { withTimezone: true }),
    /**
     * Adopted after a crash by size alone (Anthropic batches carry no chunk key): it may be another chunk's batch.
     * Until fetch has compared its results' custom ids with the chunk's, nothing of it is stored, cancelled or
     * deleted (apps/worker/src/processors/adoption-check.ts).
     */
    adoptionUnverified: boolean('adoption_unverified').notNull().default(false),
    /**
     * While a worker sends this planned batch: until when its claim holds, and whose it is. The worker renews it
     * while it works and clears it at the end; a claim that ran out (the worker died) may be taken by another,
     * which then looks for what the first one made before sending anything (`submit_attempts` above 1).
     */
    submitLeaseUntil: timestamp('submit_lease_until', { withTimezone: true }),
    submitLeaseOwner: text('submit_lease_owner'),
    /** The chunk's estimated input tokens: what it takes of the provider's quota while it is at the provider. */
    estimatedTokens: bigint('estimated_tokens', { mode: 'number' }).notNull().default(0),
    /** Set while the planned batch waits for room in its provider's quota (see apps/worker/src/quota). */
    waitingForQuotaSince: timestamp('waiting_for_quota_since', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('provider_batches_chunk_key_idx').on(t.chunkKey),
    // One provider batch is one chunk's: adopting a batch that another chunk already holds is refused here too.
    uniqueIndex('provider_batches_provider_batch_idx')
      .on(t.provider, t.providerBatchId)
      .where(sql`provider_batch_id is not null`),
    index('provider_batches_job_idx').on(t.jobId),
    index('provider_batches_state_idx').on(t.state),
    // The chunks waiting for quota, oldest first: woken in that order as room frees.
    index('provider_batches_waiting_idx')
      .on(t.provider, t.waitingForQuotaSince)
      .where(sql`state = 'planned' and waiting_for_quota_since is not null`),
  ],
);

/**
 * A provider's batch queue limit as the provider itself stated it when it refused a batch for its queue being full
 * (OpenAI: "Limit: 2,000,000 enqueued tokens"), per model: a budget of in-flight tokens the workers keep to from then
 * on (apps/worker/src/quota). Learned again at each such refusal; a day old, it is forgotten.
 */
export const learnedQuotas = pgTable(
  'learned_quotas',
  {
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    tokens: bigint('tokens', { mode: 'number' }).notNull(),
    learnedAt: timestamp('learned_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.model] })],
);

/** At most one result per custom_id: a replay with the same run_id reuses a success instead of paying twice. */
export const results = pgTable(
  'results',
  {
    customId: text('custom_id').primaryKey(),
    /** No foreign key, as on `inputs`: the check took a third of the insert's CPU when a slice of results is stored. */
    jobId: text('job_id').notNull(),
    batchId: text('batch_id'),
    status: text('status').notNull(),
    /** The answer; for an embedding, all but its vector (null when nothing else), which is in `embedding`. */
    output: jsonb('output'),
    /**
     * An embedding's vector: its float32 values, 4 little-endian bytes each (migration 0009; older embeddings stay
     * whole in `output`). Stored out of line and uncompressed (`storage external`).
     */
    embedding: bytea('embedding'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    cachedTokens: integer('cached_tokens'),
    cacheWriteTokens: integer('cache_write_tokens'),
    usage: jsonb('usage'),
    /**
     * What the tokens of every attempt cost at batch rates, and what they would have cost synchronously, exactly
     * (12 decimals: a token of the cheapest model costs a few picodollars). Both null when the model has no price
     * (`price_version` null too) or the provider reported no usage.
     */
    costUsd: numeric('cost_usd', { precision: 24, scale: 12 }),
    syncCostUsd: numeric('sync_cost_usd', { precision: 24, scale: 12 }),
    priceVersion: text('price_version'),
    error: jsonb('error'),
    attempts: integer('attempts').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // A job's results (its view, its cost) and a project's month (its budget, checked at every submit and after
    // every fetched batch): job, then time, with the cost in the index so the month's sum reads no table pages.
    index('results_job_created_idx').on(t.jobId, t.createdAt, t.costUsd),
    index('results_created_idx').on(t.createdAt),
    // The dashboard's unpriced models: only the few results without a price, by time.
    index('results_unpriced_idx').on(t.createdAt).where(sql`price_version is null`),
  ],
);

/** What a set of results adds up to: the columns of both rollups, kept by the same triggers. */
const resultSums = () => ({
  results: bigint('results', { mode: 'number' }).notNull().default(0),
  unpricedResults: bigint('unpriced_results', { mode: 'number' }).notNull().default(0),
  inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
  outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
  cachedTokens: bigint('cached_tokens', { mode: 'number' }).notNull().default(0),
  cacheWriteTokens: bigint('cache_write_tokens', { mode: 'number' }).notNull().default(0),
  costUsd: numeric('cost_usd', { precision: 30, scale: 12 }).notNull().default('0'),
  syncCostUsd: numeric('sync_cost_usd', { precision: 30, scale: 12 }).notNull().default('0'),
});

/**
 * What every result ever stored adds up to, per project, provider, model and outcome: `/metrics` reads these few
 * rows instead of summing all results on every scrape. Kept by statement triggers on `results` (migration 0004),
 * in the transaction that writes the results, so it is exact; results are never deleted, so it only grows.
 */
export const resultTotals = pgTable(
  'result_totals',
  {
    project: text('project').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    status: text('status').notNull(),
    ...resultSums(),
  },
  (t) => [primaryKey({ columns: [t.project, t.provider, t.model, t.status] })],
);

/**
 * The results of each job, hour by hour (UTC) and by outcome: costs over a window read whole hours from here and only
 * the window's partial first and last hours from `results`, so a 30-day summary does not sum every result of the
 * month. Kept by the same triggers as `result_totals`, in the transaction that writes the results.
 */
export const resultHours = pgTable(
  'result_hours',
  {
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    jobId: text('job_id').notNull(),
    status: text('status').notNull(),
    ...resultSums(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.jobId, t.status] })],
);

/** A monthly spending limit per project, enforced at submit (the calendar month, UTC). */
export const budgets = pgTable('budgets', {
  project: text('project').primaryKey(),
  monthlyUsd: numeric('monthly_usd', { precision: 18, scale: 6 }).notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every alert raised, once: `dedupe_key` makes raising idempotent across workers and restarts (a batch stuck in
 * one state alerts once per state, a budget once per threshold and month).
 */
export const alerts = pgTable(
  'alerts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    project: text('project'),
    jobId: text('job_id'),
    batchId: text('batch_id'),
    message: text('message').notNull(),
    details: jsonb('details').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('alerts_dedupe_idx').on(t.dedupeKey), index('alerts_created_idx').on(t.createdAt)],
);

/**
 * `Idempotency-Key` of `POST /v1/jobs`: the same key with the same body within 24 hours answers what the first
 * request got, without creating a second job. `scope` is who may reuse the key: `key:<API key id>` over HTTP,
 * `sdk:<key id>` for the SDK (rows written before keys were per caller have '' and 'sdk'). The row is written in the intake transaction, so a key never outlives a rolled-back
 * job nor names a job that was never written.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull().default(''),
    key: text('key').notNull(),
    /** SHA-256 of the request body as received: the same key with another body is a 422. */
    bodySha256: text('body_sha256').notNull(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    /** The status and body the first request was answered with. */
    status: integer('status').notNull(),
    response: jsonb('response').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

/**
 * Keys of the HTTP API for members and viewers of some projects (an operator's admin keys come from
 * ADMIN_API_KEYS). The key itself is shown once, at creation: only its SHA-256 is kept, with its visible prefix to
 * find the row by.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** The key's first characters (`trk_` and 8 more), shown in listings and logs to tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 (hex) of the whole key: keys are 256 random bits, so a fast hash is enough. */
    keySha256: text('key_sha256').notNull(),
    /** `member` (submit, cancel, read) or `viewer` (read). */
    role: text('role').notNull(),
    projects: text('projects').array().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_prefix_idx').on(t.prefix)],
);

/**
 * What each project's job-webhook secret is derived from: the secret is an HMAC of the project and its salt under
 * WEBHOOK_SECRETS_KEY, so neither this table nor a copy of the database holds a secret. Rotating draws a new salt;
 * the previous one still signs (a second signature) for a grace period, so receivers can switch without a gap.
 */
export const webhookSecrets = pgTable('webhook_secrets', {
  project: text('project').primaryKey(),
  salt: text('salt').notNull(),
  previousSalt: text('previous_salt'),
  rotatedAt: timestamp('rotated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every webhook as the worker rendered it from Postgres, once per event: each attempt sends these bytes, and a
 * queue job can only name an event, never bring a body or a URL of its own.
 */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  /** `job:<job id>` or `alert:<alert id>`: also the `webhook-id` receivers deduplicate on. */
  id: text('id').primaryKey(),
  event: text('event').notNull(),
  /** Whose secret signs it: the job's project; null for alerts (ALERT_WEBHOOK_SECRET). */
  project: text('project'),
  url: text('url').notNull(),
  body: text('body').notNull(),
  createdAt: createdAt(),
});

/**
 * Every provider callback (OpenAI's and the Gemini API's batch webhooks) whose signature held, by the provider's
 * `webhook-id`: a delivery that comes again (the provider's retry, or a captured request replayed) finds its row and
 * changes nothing. A row is kept longer than any provider retries one delivery (OpenAI: 72 h), then gives way.
 */
export const providerCallbacks = pgTable(
  'provider_callbacks',
  {
    provider: text('provider').notNull(),
    webhookId: text('webhook_id').notNull(),
    /** What the event said, as it said it: for the logs only, since the poll asks the provider what happened. */
    eventType: text('event_type'),
    providerBatchId: text('provider_batch_id'),
    /**
     * The batch of Tranche's the event named, when one was found: a poll that was already asking the provider when
     * the callback came looks here before it sleeps (poll.ts), so the end is not left for the next interval.
     */
    batchId: text('batch_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.webhookId] }),
    index('provider_callbacks_received_idx').on(t.receivedAt),
    index('provider_callbacks_batch_idx').on(t.batchId, t.receivedAt),
  ],
);
