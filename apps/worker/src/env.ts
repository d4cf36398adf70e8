import { baseEnvSchema, parseEnv, providerEnvSchema } from '@tranche/config';
import { z } from 'zod';

export const workerEnvSchema = baseEnvSchema.extend(providerEnvSchema.shape).extend({
  SUBMIT_CONCURRENCY: z.coerce.number().int().positive().default(2),
  POLL_CONCURRENCY: z.coerce.number().int().positive().default(20),
  FETCH_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** How long a worker holds a queue job before BullMQ thinks it stalled (and hands it to another worker). */
  QUEUE_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Results stored per transaction while a batch is fetched. */
  FETCH_SLICE: z.coerce.number().int().positive().default(1000),
});
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const loadWorkerEnv = (env: NodeJS.ProcessEnv = process.env): WorkerEnv =>
  parseEnv(workerEnvSchema, env);
