import { baseEnvSchema, chunkCapsEnvSchema, parseEnv, pricingEnvSchema } from '@tranche/config';
import { z } from 'zod';

export const apiEnvSchema = baseEnvSchema
  .extend(pricingEnvSchema.shape)
  // Dry runs plan their chunks under the workers' caps.
  .extend(chunkCapsEnvSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Default poll interval of jobs that do not set `options.poll_interval_s`. */
    POLL_INTERVAL_S: z.coerce.number().min(0.05).default(300),
    HOST: z.string().default('0.0.0.0'),
    /** Comma-separated keys accepted as `Authorization: Bearer <key>`; unset means no auth (local use). */
    API_KEYS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      )
      .optional(),
    /** Largest JSON job body accepted, in bytes. */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(512 * 1024 * 1024),
    JOB_TIMEOUT_H: z.coerce.number().positive().default(30),
    MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    /** Bearer token Prometheus must send to `GET /metrics`; unset, `/metrics` takes the API keys. */
    METRICS_TOKEN: z.string().min(1).optional(),
  });
export type ApiEnv = z.infer<typeof apiEnvSchema>;

export const loadApiEnv = (env: NodeJS.ProcessEnv = process.env): ApiEnv => parseEnv(apiEnvSchema, env);
