import { ALL_DESCRIPTORS, providerEnvSchema } from '@tranche/adapters';
import { baseEnvSchema, chunkCapsEnvSchema, parseEnv, pricingEnvSchema } from '@tranche/config';
import { z } from 'zod';
import { alertingEnvSchema } from './alerts/env';
import { providerQuotasSchema } from './quota/quota-book';

export const workerEnvSchema = baseEnvSchema
  .extend(providerEnvSchema.shape)
  .extend(pricingEnvSchema.shape)
  .extend(alertingEnvSchema.shape)
  .extend(chunkCapsEnvSchema.shape)
  .extend({
    SWEEP_INTERVAL_S: z.coerce.number().positive().default(60),
    /** How long request and result files stay at the provider (or in GCS) after their results are stored. */
    PROVIDER_FILE_RETENTION_H: z.coerce.number().min(0).default(72),
    SUBMIT_CONCURRENCY: z.coerce.number().int().positive().default(2),
    /**
     * How long a worker's claim on a batch it is sending holds without being renewed (it renews it every third of
     * this while it works). A worker that died holds its batches this long at most; then another takes them over.
     */
    SUBMIT_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
    POLL_CONCURRENCY: z.coerce.number().int().positive().default(20),
    FETCH_CONCURRENCY: z.coerce.number().int().positive().default(2),
    /** How long a worker holds a queue job before BullMQ thinks it stalled (and hands it to another worker). */
    QUEUE_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Results stored per transaction while a batch is fetched. */
    FETCH_SLICE: z.coerce.number().int().positive().default(1000),
    /** Transactions a slice is stored in at once, each on a connection of its own (Postgres's cores at work). */
    FETCH_SLICE_WRITERS: z.coerce.number().int().positive().default(2),
    /**
     * A submit, poll or fetch that meets a transient error (a provider's 429/5xx, a timeout, Postgres or Redis away)
     * waits this long, doubling each time up to TRANSIENT_RETRY_MAX_MS, and tries again for as long as it takes.
     */
    TRANSIENT_RETRY_BASE_MS: z.coerce.number().int().positive().default(5_000),
    TRANSIENT_RETRY_MAX_MS: z.coerce.number().int().positive().default(300_000),
    /**
     * Budgets of work in flight per provider and model (docs/quotas.md): a JSON object such as
     * `{"openai/gpt-4o-mini": {"tokens": 2000000}, "anthropic": {"requests": 100000}}`. A chunk that does not fit
     * waits, and goes when earlier batches end.
     */
    PROVIDER_QUOTAS: providerQuotasSchema.optional(),
    /** How often a chunk waiting for quota looks again by itself (it is also woken as batches of its provider end). */
    QUOTA_RECHECK_MS: z.coerce.number().int().positive().default(60_000),
    /** How long work for a provider this worker has no credentials for waits for a worker that has them. */
    UNCONFIGURED_RETRY_MS: z.coerce.number().int().positive().default(60_000),
  })
  .superRefine((env, ctx) => {
    // A provider told to delete Tranche's files by itself must not do so before the worker is done with them.
    for (const descriptor of ALL_DESCRIPTORS) {
      const problem = descriptor.env.fileExpiryProblem?.(env, env.PROVIDER_FILE_RETENTION_H * 3600);
      if (problem) ctx.addIssue({ code: 'custom', path: [problem.variable], message: problem.message });
    }
  });
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const loadWorkerEnv = (env: NodeJS.ProcessEnv = process.env): WorkerEnv =>
  parseEnv(workerEnvSchema, env);
