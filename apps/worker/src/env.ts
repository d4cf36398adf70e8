import {
  baseEnvSchema,
  chunkCapsEnvSchema,
  parseEnv,
  pricingEnvSchema,
  providerEnvSchema,
} from '@tranche/config';
import { z } from 'zod';
import { alertingEnvSchema } from './alerts/env';

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
    POLL_CONCURRENCY: z.coerce.number().int().positive().default(20),
    FETCH_CONCURRENCY: z.coerce.number().int().positive().default(2),
    /** How long a worker holds a queue job before BullMQ thinks it stalled (and hands it to another worker). */
    QUEUE_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Results stored per transaction while a batch is fetched. */
    FETCH_SLICE: z.coerce.number().int().positive().default(1000),
    /**
     * A submit, poll or fetch that meets a transient error (a provider's 429/5xx, a timeout, Postgres or Redis away)
     * waits this long, doubling each time up to TRANSIENT_RETRY_MAX_MS, and tries again for as long as it takes.
     */
    TRANSIENT_RETRY_BASE_MS: z.coerce.number().int().positive().default(5_000),
    TRANSIENT_RETRY_MAX_MS: z.coerce.number().int().positive().default(300_000),
    /** How long work for a provider this worker has no credentials for waits for a worker that has them. */
    UNCONFIGURED_RETRY_MS: z.coerce.number().int().positive().default(60_000),
  });
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const loadWorkerEnv = (env: NodeJS.ProcessEnv = process.env): WorkerEnv =>
  parseEnv(workerEnvSchema, env);
