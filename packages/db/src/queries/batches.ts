import type { Sql } from '../client';
import type { BatchRow, JobRow } from './types';

export async function getBatch(sql: Sql, batchId: string): Promise<BatchRow | null> {
  const [row] = await sql<BatchRow[]>`select * from provider_batches where id = ${batchId}`;
  return row ?? null;
}

export async function getBatchWithJob(
  sql: Sql,
  batchId: string,
): Promise<{ batch: BatchRow; job: JobRow } | null> {
  const batch = await getBatch(sql, batchId);
  if (!batch) return null;
  const [job] = await sql<JobRow[]>`select * from jobs where id = ${batch.job_id}`;
  return job ? { batch, job } : null;
}

export async function lockJob(tx: Sql, jobId: string): Promise<JobRow | null> {
  const [job] = await tx<JobRow[]>`select * from jobs where id = ${jobId} for update`;
  return job ?? null;
}

export async function pendingInputsForPlanning(tx: Sql, jobId: string) {
  return tx<{ customId: string; bytes: number }[]>`
    select custom_id as "customId", request_bytes as bytes
    from inputs where job_id = ${jobId} and state = 'pending' order by seq`;
}

export async function nextRound(tx: Sql, jobId: string): Promise<number> {
  const [row] = await tx<{ round: number }[]>`
    select coalesce(max(round) + 1, 0)::int as round from provider_batches where job_id = ${jobId}`;
  return row?.round ?? 0;
}

export interface PlannedBatch {
  id: string;
  jobId: string;
  provider: string;
  chunkKey: string;
  round: number;
  customIds: string[];
  bytes: number;
  /** The chunk's estimated input tokens (what it takes of a token quota); 0 when unknown. */
  estimatedTokens?: number;
}

/**
 * Writes one planned batch before any provider call, its inputs pointing at it (one attempt counted on each). Only
 * inputs still pending are taken (a planning running at the same time may have taken some): the row then counts
 * what it holds, and a batch left with nothing is not kept. Returns how many inputs it holds.
 */
export async function insertPlannedBatch(tx: Sql, batch: PlannedBatch): Promise<number> {
  await tx`
    insert into provider_batches
      (id, job_id, provider, chunk_key, round, state, request_count, bytes, estimated_tokens)
    values (${batch.id}, ${batch.jobId}, ${batch.provider}, ${batch.chunkKey}, ${batch.round}, 'planned',
            ${batch.customIds.length}, ${batch.bytes}, ${batch.estimatedTokens ?? 0})`;
  // A join on unnest, not `= any(array)`: on a fresh table without statistics the planner may otherwise scan
  // every pending input and test each against the whole array (seconds per chunk at 100,000 inputs).
  const [taken] = await tx<{ n: number }[]>`
    with taken as (
      update inputs i set state = 'submitted', batch_id = ${batch.id}, attempts = i.attempts + 1
      from unnest(${batch.customIds}::text[]) as u(custom_id)
      where i.job_id = ${batch.jobId} and i.custom_id = u.custom_id and i.state = 'pending'
      returning 1)
    select count(*)::int as n from taken`;
  const held = taken?.n ?? 0;
  if (held === batch.customIds.length) return held;
  if (held === 0) {
    await tx`delete from provider_batches where id = ${batch.id}`;
    return 0;
  }
  const share = held / batch.customIds.length;
  await tx`
    update provider_batches set request_count = ${held}, bytes = ${Math.round(batch.bytes * share)},
      estimated_tokens = ${Math.round((batch.estimatedTokens ?? 0) * share)}
    where id = ${batch.id}`;
  return held;
}

export async function plannedBatches(sql: Sql, jobId: string): Promise<BatchRow[]> {
  return sql<BatchRow[]>`
    select * from provider_batches where job_id = ${jobId} and state = 'planned' order by round, chunk_key`;
}

/** The requests of one batch, in the order they go into its request file. */
export function batchRequestsCursor(sql: Sql, batchId: string, pageSize = 100) {
  return sql<{ custom_id: string; request: unknown }[]>`
    select custom_id, request from inputs where batch_id = ${batchId} order by seq`.cursor(pageSize);
}

export async function batchCustomIdsInFileOrder(sql: Sql, batchId: string): Promise<string[]> {
  const rows = await sql<{ custom_id: string }[]>`
    select custom_id from inputs where batch_id = ${batchId} order by seq`;
  return rows.map((r) => r.custom_id);
}

/** Counts one more provider call for this batch; returns the count including this one. */
export async function countSubmitAttempt(sql: Sql, batchId: string): Promise<number> {
  const [row] = await sql<{ submit_attempts: number }[]>`
    update provider_batches set submit_attempts = submit_attempts + 1 where id = ${batchId}
    returning submit_attempts`;
  return row?.submit_attempts ?? 0;
}

/**
 * What `recordSubmitted` did: `recorded`; `not_planned` (the batch had already left the planned state, e.g. dropped
 * for a cancel); or `held_by_another` (another chunk already holds that provider batch: one provider batch belongs to
 * one chunk, which the unique index `provider_batches_provider_batch_idx` enforces).
 */
export type SubmitRecord = 'recorded' | 'not_planned' | 'held_by_another';

const ONE_CHUNK_PER_PROVIDER_BATCH = 'provider_batches_provider_batch_idx';

/**
 * `adoptionUnverified`: the provider batch was adopted after a crash by its size alone and may be another chunk's
 * (see `undoAdoption`).
 */
export async function recordSubmitted(
  sql: Sql,
  batchId: string,
  providerBatchId: string,
  inputFileId: string | null,
  bytes: number,
  { adoptionUnverified = false }: { adoptionUnverified?: boolean } = {},
): Promise<SubmitRecord> {
  try {
    const updated = await sql`
      update provider_batches
      set state = 'submitted', provider_batch_id = ${providerBatchId}, input_file_id = ${inputFileId},
          bytes = ${bytes}, submitted_at = now(), status_changed_at = now(),
          adoption_unverified = ${adoptionUnverified}
      where id = ${batchId} and state = 'planned'`;
    return updated.count > 0 ? 'recorded' : 'not_planned';
  } catch (error) {
    const pg = error as { code?: string; constraint_name?: string };
    if (pg.code === '23505' && pg.constraint_name === ONE_CHUNK_PER_PROVIDER_BATCH) return 'held_by_another';
    throw error;
  }
}

export interface PollRecord {
  providerStatus: string;
  ended: boolean;
  outcome: string | null;
  counts: { total: number; completed: number; failed: number };
  outputFileId: string | null;
  errorFileId: string | null;
  failures: Array<{ code: string; message: string; line?: number | null }> | null;
}

export async function recordPoll(sql: Sql, batchId: string, poll: PollRecord): Promise<void> {
  await sql`
    update provider_batches set
      provider_status = ${poll.providerStatus},
      status_changed_at = case when provider_status is distinct from ${poll.providerStatus} then now()
                               else status_changed_at end,
      counts = ${sql.json(poll.counts)},
      output_file_id = ${poll.outputFileId}, error_file_id = ${poll.errorFileId},
      failures = ${poll.failures ? sql.json(poll.failures) : null},
      outcome = ${poll.outcome},
      state = case when ${poll.ended} then 'ended' else state end,
      ended_at = case when ${poll.ended} then coalesce(ended_at, now()) else ended_at end
    where id = ${batchId} and state = 'submitted'`;
}

/** The adopted batch's results answer exactly the chunk's requests: it is the chunk's own. */
export async function markAdoptionVerified(sql: Sql, batchId: string): Promise<void> {
  await sql`update provider_batches set adoption_unverified = false where id = ${batchId}`;
}

/**
 * Lets go of a provider batch adopted by size that turned out to hold other requests: the chunk is planned again,
 * as if never sent, so that its next submit sends it itself. `submit_attempts` starts over so that this submit does
 * not look for an earlier batch again (it would find the same one, no longer recorded). False when the batch had
 * already moved on (another worker undid or settled it).
 */
export async function undoAdoption(sql: Sql, batchId: string, providerBatchId: string): Promise<boolean> {
  const undone = await sql`
    update provider_batches set
      state = 'planned', provider_batch_id = null, input_file_id = null, output_file_id = null, error_file_id = null,
      provider_status = null, counts = null, outcome = null, failures = null, submitted_at = null,
      status_changed_at = null, ended_at = null, cancel_sent_at = null, submit_attempts = 0,
      adoption_unverified = false
    where id = ${batchId} and provider_batch_id = ${providerBatchId} and adoption_unverified and state = 'ended'`;
  return undone.count > 0;
}

export async function markCancelSent(sql: Sql, batchId: string): Promise<void> {
  await sql`update provider_batches set cancel_sent_at = now() where id = ${batchId}`;
}

/** What `takeSubmitLease` found: the batch is now ours to send, another worker's until `until`, or no longer planned. */
export type SubmitLease =
  | { kind: 'taken'; batch: BatchRow }
  | { kind: 'held'; until: Date }
  | { kind: 'gone' };

/**
 * Claims a planned batch for sending, for `leaseMs` (it no longer waits for quota then): one conditional update, so it works through a pooler in
 * transaction mode (no session, no advisory lock held across statements). A claim that ran out (its worker died or
 * lost Postgres) can be taken by anyone; whoever takes it over looks for what the first made before sending
 * (`submit_attempts` above 1). Runs in `sql`, which may be the caller's transaction.
 */
export async function takeSubmitLease(
  sql: Sql,
  batchId: string,
  owner: string,
  leaseMs: number,
): Promise<SubmitLease> {
  const [taken] = await sql<BatchRow[]>`
    update provider_batches
    set submit_lease_until = now() + make_interval(secs => ${leaseMs / 1000}), submit_lease_owner = ${owner},
        waiting_for_quota_since = null,
        status_changed_at = case when waiting_for_quota_since is null then status_changed_at else now() end
    where id = ${batchId} and state = 'planned'
      and (submit_lease_until is null or submit_lease_until < now() or submit_lease_owner = ${owner})
    returning *`;
  if (taken) return { kind: 'taken', batch: taken };
  const [other] = await sql<{ state: string; until: Date | null }[]>`
    select state, submit_lease_until as until from provider_batches where id = ${batchId}`;
  if (other?.state !== 'planned' || !other.until) return { kind: 'gone' };
  return { kind: 'held', until: other.until };
}

/** Extends the claim while its owner works; false when the claim is no longer the owner's. */
export async function renewSubmitLease(
  sql: Sql,
  batchId: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const renewed = await sql`
    update provider_batches set submit_lease_until = now() + make_interval(secs => ${leaseMs / 1000})
    where id = ${batchId} and submit_lease_owner = ${owner}`;
  return renewed.count > 0;
}

/** Lets go of the claim (whatever became of the batch); a claim someone else took over is left alone. */
export async function releaseSubmitLease(sql: Sql, batchId: string, owner: string): Promise<void> {
  await sql`
    update provider_batches set submit_lease_until = null, submit_lease_owner = null
    where id = ${batchId} and submit_lease_owner = ${owner}`;
}

/** Provider batch ids already recorded around a chunk's time: a crashed submit must not adopt one of those. */
export async function knownProviderBatchIds(sql: Sql, provider: string, around: Date): Promise<Set<string>> {
  const rows = await sql<{ provider_batch_id: string }[]>`
    select provider_batch_id from provider_batches
    where provider = ${provider} and provider_batch_id is not null
      and created_at > ${around}::timestamptz - interval '1 day'`;
  return new Set(rows.map((r) => r.provider_batch_id));
}

/**
 * Fetched batches whose provider-side files have been kept long enough. A batch adopted by size and never proven
 * the chunk's (settled without its results, e.g. cancelled) is never deleted: it may be another chunk's.
 */
export async function batchesToClean(sql: Sql, retentionHours: number, limit = 50): Promise<BatchRow[]> {
  return sql<BatchRow[]>`
    select * from provider_batches
    where state = 'fetched' and cleaned_at is null and provider_batch_id is not null and not adoption_unverified
      and fetched_at < now() - make_interval(secs => ${retentionHours * 3600})
    order by fetched_at limit ${limit}`;
}

export async function markBatchCleaned(sql: Sql, batchId: string): Promise<void> {
  await sql`update provider_batches set cleaned_at = now() where id = ${batchId}`;
}
