import { z } from 'zod';

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.join(' or ')})`,
  );

export const baseEnvSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/tranche'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]+$/, 'letters, digits, _, : and - only')
    .default('tranche'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type BaseEnv = z.infer<typeof baseEnvSchema>;

export const providerEnvSchema = z.object({
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: url(['http:', 'https:']).optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: url(['http:', 'https:']).optional(),
  MISTRAL_API_KEY: z.string().optional(),
  MISTRAL_SERVER_URL: url(['http:', 'https:']).optional(),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_LOCATION: z.string().optional(),
  VERTEX_GCS_BUCKET: z.string().optional(),
  VERTEX_BASE_URL: url(['http:', 'https:']).optional(),
  GCS_API_ENDPOINT: url(['http:', 'https:']).optional(),
  /** A fixed OAuth token (emulators, short tests); unset, Vertex uses Application Default Credentials. */
  VERTEX_ACCESS_TOKEN: z.string().optional(),
  /** A result download that sends no byte for this long is abandoned and retried; unset, 120 s (the adapters'). */
  RESULT_DOWNLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
});
export type ProviderEnv = z.infer<typeof providerEnvSchema>;

export const pricingEnvSchema = z.object({
  /** An operator's price table laid over the built-in one (packages/pricing/prices.json): see the README. */
  PRICES_FILE: z.string().min(1).optional(),
});
export type PricingEnv = z.infer<typeof pricingEnvSchema>;

/**
 * The operator's cap on one provider batch, under the provider's own limits. The workers plan with it; the API
 * plans a dry run's chunks with it: give both the same values.
 */
export const chunkCapsEnvSchema = z.object({
  CHUNK_MAX_REQUESTS: z.coerce.number().int().positive().default(10_000),
  CHUNK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
});
export type ChunkCapsEnv = z.infer<typeof chunkCapsEnvSchema>;

/** A yes/no setting: `true` or `false` (unset: false). */
export const envFlag = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true');
