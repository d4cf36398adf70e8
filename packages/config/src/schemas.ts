import { z } from 'zod';

/** A URL whose scheme is one of `protocols` (with the colon: `https:`). */
export const url = (protocols: string[]) =>
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

/**
 * What Redis Cluster hashes a key by: the text between its first `{` and the next `}`, when that is not empty.
 * BullMQ's scripts touch several keys of one queue at once, so on a cluster every queue key must carry one. The
 * same rule as `hasHashTag` in @tranche/queues, which checks it again where the queues are made.
 */
const REDIS_HASH_TAG = /^[^{]*\{[^}]+\}/;

/** Comma-separated `redis://` or `rediss://` URLs, each checked. */
const redisUrlList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((node) => node.trim())
      .filter(Boolean),
  )
  .pipe(z.array(url(['redis:', 'rediss:'])).min(1, 'at least one node URL'));

export const baseEnvSchema = z
  .object({
    DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/tranche'),
    /**
     * `transaction` when DATABASE_URL goes through a pooler in transaction mode (PgBouncer `pool_mode =
     * transaction`): no prepared statements and no settings sent at connection start.
     */
    DATABASE_POOL_MODE: z.enum(['session', 'transaction']).default('session'),
    /** Where migrations run at start; unset, DATABASE_URL. A direct connection suits long migrations best. */
    DATABASE_MIGRATION_URL: url(['postgres:', 'postgresql:']).optional(),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    /**
     * Some nodes of a Redis Cluster (the others are discovered); set, the queues live on that cluster and
     * REDIS_URL is not used. Credentials and TLS (`rediss://`) come from the first URL.
     */
    REDIS_CLUSTER_NODES: redisUrlList.optional(),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:{}-]+$/, 'letters, digits, _, :, -, { and } only')
      .default('tranche'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_CLUSTER_NODES && !REDIS_HASH_TAG.test(env.QUEUE_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUEUE_PREFIX'],
        message: 'on a Redis Cluster (REDIS_CLUSTER_NODES) the prefix needs a hash tag, e.g. {tranche}',
      });
    }
  });
export type BaseEnv = z.infer<typeof baseEnvSchema>;

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
