import {
  claimIdempotencyKey,
  findIdempotencyKey,
  IDEMPOTENCY_WINDOW_H,
  type Sql,
  type StoredAnswer,
} from '@tranche/db';
import type { SubmitResponse } from './submit-job';
import { RequestValidationError } from './validation-error';

/** 1 to 255 printable ASCII characters, space included. */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** The key, or null when none was given; a malformed one is a 400 naming `field` (the header, or the SDK option). */
export function parseIdempotencyKey(value: unknown, field: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !KEY_PATTERN.test(value)) {
    throw new RequestValidationError([{ field, message: 'must be 1 to 255 printable ASCII characters' }]);
  }
  return value;
}

/** The key was used within the window for a different body: a 422, and nothing is created. */
export class IdempotencyKeyReusedError extends Error {
  readonly status = 422;
  constructor(readonly field: string) {
    super(
      `${field} was already used in the last ${IDEMPOTENCY_WINDOW_H} hours with a different body: ` +
        'send the same body to get the first answer again, or use a new key for a new job',
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A submit that carries a key. */
export interface IdempotentRequest {
  /** Who may reuse the key: `key:<API key id>` over HTTP, `sdk:<key id>` for BatchClient. */
  scope: string;
  key: string;
  /** How the caller named the key, for errors: `Idempotency-Key`, or the SDK's `idempotencyKey`. */
  field: string;
  /** SHA-256 (hex) of the body as received; called once the body was read to its end. */
  bodySha256(): string;
  /** Reads the rest of the body without processing it (a replay): its hash then covers all of it. */
  drain(): Promise<void>;
}

export interface SubmitAnswer {
  status: number;
  body: SubmitResponse;
  /** The answer of an earlier request with the same key and body: no job was created now. */
  replayed: boolean;
}

/** Records the key with the job, in the intake transaction (which it rolls back when another request holds it). */
export type KeyClaim = (tx: Sql, response: SubmitResponse) => Promise<void>;

/** Another request holds the key: thrown inside the intake transaction, so that this job is rolled back. */
class KeyTaken extends Error {
  constructor(
    readonly holder: StoredAnswer,
    readonly bodySha256: string,
  ) {
    super('the idempotency key is taken');
  }
}

function replay(request: IdempotentRequest, earlier: StoredAnswer, bodySha256: string): SubmitAnswer {
  if (earlier.bodySha256 !== bodySha256) throw new IdempotencyKeyReusedError(request.field);
  return { status: earlier.status, body: earlier.response as SubmitResponse, replayed: true };
}

/**
 * A submit that happens at most once per key and body within the window: a key seen before answers what it was
 * answered then (the body is read only to be hashed); a new key is recorded with the job, in its transaction, so a
 * job that is rolled back leaves no key, and of two requests racing with one key the second waits for the first
 * and answers what it answered.
 */
export async function submitOnce(
  sql: Sql,
  request: IdempotentRequest | null,
  submit: (claim?: KeyClaim) => Promise<SubmitResponse>,
): Promise<SubmitAnswer> {
  if (!request) return { status: 202, body: await submit(), replayed: false };
  const earlier = await findIdempotencyKey(sql, request.scope, request.key);
  if (earlier) {
    await request.drain();
    return replay(request, earlier, request.bodySha256());
  }
  try {
    const body = await submit(async (tx, response) => {
      const bodySha256 = request.bodySha256();
      const holder = await claimIdempotencyKey(tx, {
        scope: request.scope,
        key: request.key,
        bodySha256,
        jobId: response.job_id,
        status: 202,
        response,
      });
      if (holder) throw new KeyTaken(holder, bodySha256);
    });
    return { status: 202, body, replayed: false };
  } catch (error) {
    if (error instanceof KeyTaken) return replay(request, error.holder, error.bodySha256);
    throw error;
  }
}
