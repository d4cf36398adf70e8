import type { Sql } from '../client';

/** How long a key answers for the job it created; after that it is free again. */
export const IDEMPOTENCY_WINDOW_H = 24;

/** Expired keys deleted, at most, by each new key: the table stays about a day of keys without a sweeper. */
const EXPIRED_PER_CLAIM = 100;

/** What the first request with a key was answered, and the hash of its body. */
export interface StoredAnswer {
  bodySha256: string;
  status: number;
  response: unknown;
}

export interface KeyClaim extends StoredAnswer {
  scope: string;
  key: string;
  jobId: string;
}

/** The answer a key got within the window, or null (never used, or expired). */
export async function findIdempotencyKey(sql: Sql, scope: string, key: string): Promise<StoredAnswer | null> {
  const [row] = await sql<StoredAnswer[]>`
    select body_sha256 as "bodySha256", status, response from idempotency_keys
    where scope = ${scope} and key = ${key}
      and created_at >= now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_H})`;
  return row ?? null;
}

/**
 * Records the key in the transaction that creates its job: null when it is now this job's, else what the request
 * that holds it was answered (that request committed first; one that is still running is waited for, by the
 * primary key). An expired row of the key gives way, and a few other expired rows go with it.
 */
export async function claimIdempotencyKey(tx: Sql, claim: KeyClaim): Promise<StoredAnswer | null> {
  await tx`
    delete from idempotency_keys
    where scope = ${claim.scope} and key = ${claim.key}
      and created_at < now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_H})`;
  await tx`
    delete from idempotency_keys where (scope, key) in (
      select scope, key from idempotency_keys
      where created_at < now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_H})
      order by created_at limit ${EXPIRED_PER_CLAIM}
      for update skip locked)`;
  const inserted = await tx`
    insert into idempotency_keys (scope, key, body_sha256, job_id, status, response)
    values (${claim.scope}, ${claim.key}, ${claim.bodySha256}, ${claim.jobId}, ${claim.status},
            ${tx.json(claim.response as never)})
    on conflict (scope, key) do nothing
    returning key`;
  if (inserted.length > 0) return null;
  const [holder] = await tx<StoredAnswer[]>`
    select body_sha256 as "bodySha256", status, response from idempotency_keys
    where scope = ${claim.scope} and key = ${claim.key}`;
  if (!holder) throw new Error(`idempotency key ${claim.key} was taken and released at once`);
  return holder;
}
