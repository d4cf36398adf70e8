import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BedrockOptions } from './options';

// The SDKs are imported when the clients are first made, not with this module: a process that never talks to
// Bedrock (the API, a worker without Bedrock jobs) does not load them.

export interface BedrockClients {
  /** Reads, stops: the SDK's standard retries (throttling, 5xx, connection errors). */
  bedrock: BedrockClient;
  /**
   * The create call, made once (`maxAttempts: 1`). The SDK would send the same `clientRequestToken` on a retry, and
   * Bedrock ignores a request whose token it has seen, but what it answers then (the first job's ARN, or an error)
   * is not documented. So a failure goes to the worker instead, whose next attempt finds the job by its token
   * (`findExisting`) and, failing that, creates again with the same token.
   */
  bedrockCreate: BedrockClient;
  s3: S3Client;
}

const DEFAULT_ATTEMPTS = 3;

export async function createClients(options: BedrockOptions): Promise<BedrockClients> {
  const [{ BedrockClient }, { S3Client }] = await Promise.all([
    import('@aws-sdk/client-bedrock'),
    import('@aws-sdk/client-s3'),
  ]);
  // Given explicitly whenever the settings hold them: the SDK itself reads only the process environment, which need
  // not be where the worker's settings came from. Left out, the SDK's own resolution applies (the default chain for
  // credentials, AWS_ENDPOINT_URL_* and the region's endpoint for endpoints).
  const shared = {
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const bedrockConfig = {
    ...shared,
    ...(options.bedrockEndpoint ? { endpoint: options.bedrockEndpoint } : {}),
  };
  return {
    bedrock: new BedrockClient({ ...bedrockConfig, maxAttempts: options.maxAttempts ?? DEFAULT_ATTEMPTS }),
    bedrockCreate: new BedrockClient({ ...bedrockConfig, maxAttempts: 1 }),
    s3: new S3Client({
      ...shared,
      ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: options.maxAttempts ?? DEFAULT_ATTEMPTS,
    }),
  };
}
