import { randomBytes } from 'node:crypto';
import { sha256 } from '../core/hash';

/** The emulated account: the one in the emulator's role ARN. */
export const ACCOUNT_ID = '000000000000';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A job id: 12 characters of `[a-z0-9]`, random so ids never repeat across restarts. */
export function newJobId(): string {
  let id = '';
  for (const byte of randomBytes(12)) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

export function jobArn(region: string, id: string): string {
  return `arn:aws:bedrock:${region}:${ACCOUNT_ID}:model-invocation-job/${id}`;
}

/** The job-identifier path segment: an id or a job ARN. */
export const JOB_IDENTIFIER =
  /^((arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-invocation-job\/)?[a-z0-9]{12})$/;

/**
 * The `recordId` Bedrock adds to a record that has none. Its real form is undocumented; the docs' examples are 11
 * characters (`CALL0000001`), so the emulator makes 11 upper-case alphanumerics, derived from the job and line.
 */
export function generatedRecordId(jobId: string, index: number): string {
  const digest = sha256(`${jobId}:${index}`);
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let id = '';
  for (let i = 0; i < 11; i++) id += chars[digest[i]! % chars.length];
  return id;
}

/** The region of the SigV4 credential scope (`Credential=AKID/20261207/us-east-1/bedrock/aws4_request`). */
export function signedRegion(authorization: string | undefined): string {
  const match = /Credential=[^/,]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? '');
  return match?.[1] ?? 'us-east-1';
}
