import { url } from '@tranche/config';
import { z } from 'zod';
import type { BedrockOptions } from './options';

/**
 * The environment the Bedrock transport reads (README, Configuration). The `AWS_*` names are the AWS SDKs' own: a
 * process whose environment holds them configures the SDK even without Tranche. They are declared here so that they
 * are validated and documented, and passed to the clients explicitly, because a worker's settings need not be its
 * process environment (tests give each transport its own).
 */
export const bedrockEnvSchema = z.object({
  AWS_REGION: z.string().optional(),
  /** Static credentials; unset, the SDK's default credential chain is used. */
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  /** The Bedrock control plane (`https://bedrock.{region}.amazonaws.com` when unset). */
  AWS_ENDPOINT_URL_BEDROCK: url(['http:', 'https:']).optional(),
  AWS_ENDPOINT_URL_S3: url(['http:', 'https:']).optional(),
  BEDROCK_ROLE_ARN: z
    .string()
    .regex(/^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  /** A bucket name, or `s3://name` (a trailing `/` is dropped). */
  BEDROCK_S3_BUCKET: z
    .string()
    .transform((value) =>
      value
        .trim()
        .replace(/^s3:\/\//, '')
        .replace(/\/+$/, ''),
    )
    .pipe(z.string().regex(/^[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'))
    .optional(),
  /** Tranche's folder in the bucket (default `tranche`): only characters Bedrock accepts in an S3 URI. */
  BEDROCK_S3_PREFIX: z
    .string()
    .transform((value) => value.trim().replace(/^\/+|\/+$/g, ''))
    .pipe(
      z
        .string()
        .regex(/^[-!_*'().a-zA-Z0-9]+(\/[-!_*'().a-zA-Z0-9]+)*$/, "letters, digits, -!_*'(). and / only"),
    )
    .optional(),
  /** `true` for an S3 endpoint that serves buckets by path (emulators, MinIO, a hostname without DNS wildcards). */
  BEDROCK_S3_FORCE_PATH_STYLE: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
});
export type BedrockEnv = z.infer<typeof bedrockEnvSchema>;

/** Options from the environment, or the name of the first required variable that is missing. */
export function bedrockOptionsFromEnv(env: BedrockEnv): { options: BedrockOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const roleArn = set(env.BEDROCK_ROLE_ARN);
  if (!roleArn) return { missing: 'BEDROCK_ROLE_ARN' };
  const bucket = set(env.BEDROCK_S3_BUCKET);
  if (!bucket) return { missing: 'BEDROCK_S3_BUCKET' };
  const region = set(env.AWS_REGION);
  if (!region) return { missing: 'AWS_REGION' };
  const accessKeyId = set(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = set(env.AWS_SECRET_ACCESS_KEY);
  // Half a key pair is a mistake, not a request for the default chain (which would then find other credentials).
  if (accessKeyId && !secretAccessKey) return { missing: 'AWS_SECRET_ACCESS_KEY' };
  if (secretAccessKey && !accessKeyId) return { missing: 'AWS_ACCESS_KEY_ID' };
  const sessionToken = set(env.AWS_SESSION_TOKEN);
  return {
    options: {
      region,
      roleArn,
      bucket,
      prefix: set(env.BEDROCK_S3_PREFIX),
      bedrockEndpoint: set(env.AWS_ENDPOINT_URL_BEDROCK),
      s3Endpoint: set(env.AWS_ENDPOINT_URL_S3),
      forcePathStyle: env.BEDROCK_S3_FORCE_PATH_STYLE === 'true',
      credentials:
        accessKeyId && secretAccessKey
          ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
          : undefined,
    },
  };
}

/**
 * The emulator's Bedrock control plane and S3, with fixed keys: the SDK signs with them, and the default chain
 * (which would end up probing for an instance role) is never asked.
 */
export function bedrockEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'emulator',
    AWS_SECRET_ACCESS_KEY: 'emulator-not-a-secret',
    AWS_ENDPOINT_URL_BEDROCK: `${emulatorUrl}/bedrock`,
    AWS_ENDPOINT_URL_S3: `${emulatorUrl}/s3`,
    BEDROCK_ROLE_ARN: 'arn:aws:iam::000000000000:role/tranche-emulator',
    BEDROCK_S3_BUCKET: 'tranche-emulator',
    BEDROCK_S3_FORCE_PATH_STYLE: 'true',
  };
}
