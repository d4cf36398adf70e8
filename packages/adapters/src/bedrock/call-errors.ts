import { ProviderCallError } from '../errors';

interface AwsError {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Errors that say "not now" with a 4xx status: the same call goes through once earlier work has finished. */
const RETRY_LATER: ReadonlySet<string> = new Set([
  // Bedrock: too many jobs submitted or in progress for the model (a per-account quota).
  'ServiceQuotaExceededException',
  // S3's throttling answer (503 on the wire, but named so in case a proxy changes the status).
  'SlowDown',
]);

/**
 * An AWS SDK error (Bedrock or S3) as a classified call error. The SDK gives the HTTP status in
 * `$metadata.httpStatusCode` and the error's name (`ThrottlingException`, `ValidationException`, `NoSuchKey`) in
 * `name`. Throttling (429), 408, 409 (S3: a conflicting operation in progress) and 5xx are worth another try, as is
 * ServiceQuotaExceeded (400: the account's queue of jobs is full); validation, access and conflict errors are final;
 * 404 means the job or object is gone. An error without a status (connection lost, timeout) is worth another try.
 */
export function bedrockCallError(error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  const aws = (error ?? {}) as AwsError;
  const name = typeof aws.name === 'string' && aws.name !== 'Error' ? aws.name : null;
  const message = error instanceof Error ? error.message : String(error);
  const rawStatus = aws.$metadata?.httpStatusCode;
  let status = typeof rawStatus === 'number' && rawStatus >= 100 && rawStatus < 600 ? rawStatus : null;
  if (name === 'ThrottlingException' && status === null) status = 429;
  const text = `bedrock${status === null ? '' : ` ${status}`}: ${name ? `${name}: ` : ''}${message}`;
  if (status === null) return new ProviderCallError(text, null, true, name);
  const retryable =
    status === 408 ||
    status === 409 ||
    status === 429 ||
    status >= 500 ||
    (name !== null && RETRY_LATER.has(name));
  return new ProviderCallError(text, status, retryable, name);
}
