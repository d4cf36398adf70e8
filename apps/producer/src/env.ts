import { baseEnvSchema, chunkCapsEnvSchema, envFlag, parseEnv, pricingEnvSchema } from '@tranche/config';
import { MAX_INPUTS } from '@tranche/contracts';
import { z } from 'zod';
import { isSigningSecret } from './callbacks/verify';
import { DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS } from './http/body-idle';
import { DEFAULT_RESULTS_STREAM_IDLE_TIMEOUT_MS } from './http/ndjson-stream';
import { DEFAULT_MAX_INPUT_BYTES, DEFAULT_MIN_POLL_INTERVAL_S } from './intake/limits';

const keyList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  )
  .optional();

/**
 * A provider's webhook signing secrets, comma-separated: one, or two while it is rotated (a delivery signed with
 * either is taken). `whsec_` prefixed unless `prefixOptional` (the Standard Webhooks base64 form either way).
 */
const signingSecrets = (prefixOptional: boolean) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .refine(
              (secret) => (prefixOptional || secret.startsWith('whsec_')) && isSigningSecret(secret),
              prefixOptional
                ? 'each secret must be a webhook signing secret (whsec_ and base64, or base64)'
                : 'each secret must be a webhook signing secret (whsec_ and base64)',
            ),
        )
        .min(1, 'at least one secret'),
    )
    .optional();

export const apiEnvSchema = baseEnvSchema
  .extend(pricingEnvSchema.shape)
  // Dry runs plan their chunks under the workers' caps.
  .extend(chunkCapsEnvSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Default poll interval of jobs that do not set `options.poll_interval_s`. */
    POLL_INTERVAL_S: z.coerce.number().min(0.05).default(300),
    /** Where to listen; with no admin key configured the API listens on 127.0.0.1 whatever this says. */
    HOST: z.string().default('0.0.0.0'),
    /** Comma-separated admin keys (every project, keys, budgets, Bull Board). None: loopback only, no auth. */
    ADMIN_API_KEYS: keyList,
    /** Admin keys too, under their older name. */
    API_KEYS: keyList,
    /** Derives each project's job-webhook secret; the workers need the same value. */
    WEBHOOK_SECRETS_KEY: z
      .string()
      .min(32, 'at least 32 characters (e.g. openssl rand -base64 48)')
      .optional(),
    /** `options.webhook_url` may point at loopback, private and link-local addresses (tests, private setups). */
    WEBHOOK_ALLOW_PRIVATE: envFlag,
    /** Bull Board may change queues (retry, clean, promote, add); read-only otherwise. */
    ADMIN_QUEUES_WRITE: envFlag,
    /** `POST /v1/jobs` per API key per minute (0: no limit); shared by every API process through Redis. */
    RATE_LIMIT_SUBMITS_PER_MIN: z.coerce.number().int().min(0).default(60),
    /** Every other `/v1` request per API key per minute (0: no limit). */
    RATE_LIMIT_READS_PER_MIN: z.coerce.number().int().min(0).default(600),
    /** Largest job body accepted, in bytes: JSON, or NDJSON as it streams in. */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(512 * 1024 * 1024),
    /** Largest input, in bytes: an NDJSON line, and the request an input makes with the job's defaults. */
    MAX_INPUT_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_INPUT_BYTES),
    /** Most inputs in one job. */
    MAX_INPUTS: z.coerce.number().int().positive().default(MAX_INPUTS),
    /** The least `options.poll_interval_s` a job may ask for. */
    MIN_POLL_INTERVAL_S: z.coerce.number().positive().default(DEFAULT_MIN_POLL_INTERVAL_S),
    JOB_TIMEOUT_H: z.coerce.number().positive().default(30),
    MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    /** Bearer token Prometheus must send to `GET /metrics`; unset, `/metrics` takes the API keys. */
    METRICS_TOKEN: z.string().min(1).optional(),
    /** A results download whose client takes no bytes for this long is cut, releasing its database connection. */
    RESULTS_STREAM_IDLE_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(DEFAULT_RESULTS_STREAM_IDLE_TIMEOUT_MS),
    /**
     * A running job's counts, tokens and cost in its view are summed over all its inputs and results at most this
     * often per API process (requests in between reuse the last sums); 0 sums them on every request.
     */
    JOB_VIEW_REFRESH_MS: z.coerce.number().int().min(0).default(1_000),
    /**
     * The signing secret(s) of the OpenAI webhook endpoint that points at `/v1/provider-callbacks/openai`; set, its
     * `batch.*` events wake the poll of the batch they name. Unset, that route answers 404.
     */
    OPENAI_WEBHOOK_SECRET: signingSecrets(false),
    /** The same for a Gemini API project webhook pointing at `/v1/provider-callbacks/gemini`. */
    GEMINI_WEBHOOK_SECRET: signingSecrets(true),
    /** A streamed job body that sends nothing for this long is refused (408) and nothing of it kept. */
    REQUEST_BODY_IDLE_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS),
  })
  .refine((env) => env.POLL_INTERVAL_S >= env.MIN_POLL_INTERVAL_S, {
    path: ['POLL_INTERVAL_S'],
    message: 'must be at least MIN_POLL_INTERVAL_S',
  });
export type ApiEnv = z.infer<typeof apiEnvSchema>;

/** ADMIN_API_KEYS and API_KEYS together: every key that acts as an admin. */
export function adminKeys(env: Pick<ApiEnv, 'ADMIN_API_KEYS' | 'API_KEYS'>): string[] {
  return [...new Set([...(env.ADMIN_API_KEYS ?? []), ...(env.API_KEYS ?? [])])];
}

export const loadApiEnv = (env: NodeJS.ProcessEnv = process.env): ApiEnv => parseEnv(apiEnvSchema, env);
