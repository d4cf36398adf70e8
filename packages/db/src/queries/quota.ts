import { randomUUID } from 'node:crypto';
import type { Sql } from '../client';
import { type SubmitLease, takeSubmitLease } from './batches';
import { finishJobIfDone } from './jobs';
import type { BatchRow } from './types';

/** What a provider counts against a quota: estimated input tokens, requests, or batches. */
export type QuotaUnit = 'tokens' | 'requests' | 'batches';

/** Whose work a quota counts: the one model's batches, or all of the provider's. */
export type QuotaScope = 'model' | 'provider';

export interface QuotaBudget {
  scope: QuotaScope;
  unit: QuotaUnit;
  limit: number;
}

/** What one scope holds now: at the provider (or being sent), and waiting ahead of a chunk. */
export interface ScopeUsage {
  inFlight: Record<QuotaUnit, number>;
  ahead: Record<QuotaUnit, number>;
}

export type QuotaUsage = Record<QuotaScope, ScopeUsage>;

const none = (): Record<QuotaUnit, number> => ({ tokens: 0, requests: 0, batches: 0 });

/**
 * What the provider holds of one provider (and of one model of it) besides the chunk `batchId`: batches at the
 * provider or being sent now (`in flight`), and chunks that have waited for room longer than it has (`ahead`, the
 * first in line go first). A chunk that has not waited yet has every waiting chunk ahead of it.
 */
export async function quotaUsage(
  tx: Sql,
  chunk: { id: string; provider: string; model: string; waitingSince: Date | null },
): Promise<QuotaUsage> {
  const rows = await tx<
    { same_model: boolean; ahead: boolean; tokens: number; requests: number; batches: number }[]
  >`
    select j.model = ${chunk.model} as same_model,
           case when b.state = 'submitted' or b.submit_lease_until > now() then false else true end as ahead,
           sum(b.estimated_tokens)::float8 as tokens, sum(b.request_count)::float8 as requests,
           count(*)::float8 as batches
    from provider_batches b join jobs j on j.id = b.job_id
    where b.provider = ${chunk.provider} and b.id <> ${chunk.id} and b.state in ('submitted', 'planned')
      and (b.state = 'submitted' or b.submit_lease_until > now()
           or (b.waiting_for_quota_since is not null
               and (${chunk.waitingSince}::timestamptz is null
                    or (b.waiting_for_quota_since, b.id) < (${chunk.waitingSince}::timestamptz, ${chunk.id}))))
    group by 1, 2`;
  const usage: QuotaUsage = {
    model: { inFlight: none(), ahead: none() },
    provider: { inFlight: none(), ahead: none() },
  };
  for (const row of rows) {
    const scopes: QuotaScope[] = row.same_model ? ['model', 'provider'] : ['provider'];
    for (const scope of scopes) {
      const into = row.ahead ? usage[scope].ahead : usage[scope].inFlight;
      into.tokens += row.tokens;
      into.requests += row.requests;
      into.batches += row.batches;
    }
  }
  return usage;
}

/** What a chunk needs of each unit. */
export function chunkNeeds(
  batch: Pick<BatchRow, 'estimated_tokens' | 'request_count'>,
): Record<QuotaUnit, number> {
  return { tokens: Number(batch.estimated_tokens), requests: batch.request_count, batches: 1 };
}

/**
 * The first budget the chunk does not fit in, or null when it fits in all. A chunk fits when what is in flight,
 * what waits ahead of it and the chunk itself stay within the limit; the first in line with nothing in flight always
 * goes (a chunk planned before the budget shrank must not wait forever).
 */
export function overBudget(
  budgets: readonly QuotaBudget[],
  usage: QuotaUsage,
  needs: Record<QuotaUnit, number>,
): QuotaBudget | null {
  for (const budget of budgets) {
    const { inFlight, ahead } = usage[budget.scope];
    if (inFlight[budget.unit] === 0 && ahead[budget.unit] === 0) continue;
    if (inFlight[budget.unit] + ahead[budget.unit] + needs[budget.unit] > budget.limit) return budget;
  }
  return null;
}

/** What `claimWithinQuota` got: `SubmitLease`, or a place in line with the budget that holds the chunk back. */
export type QuotaClaim = SubmitLease | { kind: 'waiting_for_quota'; budget: QuotaBudget };

/**
 * Claims a planned batch for sending (`takeSubmitLease`) if it fits in every budget of its provider and model, else
 * marks it waiting (since now, unless it waited already). One transaction, serialised per provider by a
 * transaction-level advisory lock (fine behind a pooler in transaction mode): two workers never both take the last
 * room.
 */
export async function claimWithinQuota(
  sql: Sql,
  chunk: { id: string; provider: string; model: string },
  budgets: readonly QuotaBudget[],
  owner: string,
  leaseMs: number,
): Promise<QuotaClaim> {
  if (budgets.length === 0) return takeSubmitLease(sql, chunk.id, owner, leaseMs);
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    await tx`select pg_advisory_xact_lock(hashtextextended(${`tranche.quota:${chunk.provider}`}, 0))`;
    const [batch] = await tx<(BatchRow & { lease_live: boolean })[]>`
      select *, coalesce(submit_lease_until > now(), false) as lease_live
      from provider_batches where id = ${chunk.id} for update`;
    // Gone, or another worker's claim: takeSubmitLease says which.
    if (batch?.state !== 'planned' || (batch.lease_live && batch.submit_lease_owner !== owner)) {
      return takeSubmitLease(tx, chunk.id, owner, leaseMs);
    }
    const usage = await quotaUsage(tx, { ...chunk, waitingSince: batch.waiting_for_quota_since });
    const over = overBudget(budgets, usage, chunkNeeds(batch));
    if (!over) return takeSubmitLease(tx, chunk.id, owner, leaseMs);
    await tx`
      update provider_batches set waiting_for_quota_since = coalesce(waiting_for_quota_since, now())
      where id = ${chunk.id}`;
    return { kind: 'waiting_for_quota' as const, budget: over };
  });
}

/** The planned batches waiting for room in a provider's quota, first in line first. */
export async function chunksWaitingForQuota(sql: Sql, provider: string, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from provider_batches
    where provider = ${provider} and state = 'planned' and waiting_for_quota_since is not null
    order by waiting_for_quota_since, id limit ${limit}`;
  return rows.map((r) => r.id);
}

/** How many of a job's planned batches wait for room in their provider's quota. */
export async function countWaitingForQuota(sql: Sql, jobId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from provider_batches
    where job_id = ${jobId} and state = 'planned' and waiting_for_quota_since is not null`;
  return row?.n ?? 0;
}

/** `<key>_q<n>`: the chunk key of the n-th batch that sends again what a chunk keyed `<key>` held. */
function resendKeyBase(chunkKey: string): string {
  return chunkKey.replace(/_q\d+$/, '');
}

/**
 * A batch the provider failed because its queue was full (OpenAI's `token_limit_exceeded`) is no failure of its
 * requests: they go into new planned batches, waiting for room, with no attempt counted; the failed batch is kept,
 * fetched, as the provider left it. `split`: into two halves (the chunk alone was over the provider's limit), else
 * one. Returns the new batches' ids (none when nothing of the batch was left to send).
 */
export async function replanAfterQuotaFailure(
  sql: Sql,
  batch: BatchRow,
  { split }: { split: boolean },
): Promise<string[]> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    await tx`select id from jobs where id = ${batch.job_id} for update`;
    const [current] = await tx<BatchRow[]>`select * from provider_batches where id = ${batch.id} for update`;
    if (current?.state !== 'ended') return [];
    const inputs = await tx<{ custom_id: string }[]>`
      select custom_id from inputs where batch_id = ${batch.id} and state = 'submitted' order by seq`;
    const parts =
      split && inputs.length > 1
        ? [inputs.slice(0, Math.ceil(inputs.length / 2)), inputs.slice(Math.ceil(inputs.length / 2))]
        : [inputs].filter((p) => p.length > 0);
    const base = resendKeyBase(batch.chunk_key);
    const [seen] = await tx<{ n: number }[]>`
      select count(*)::int as n from provider_batches where chunk_key like ${`${base.replace(/[\\%_]/g, '\\$&')}\\_q%`}`;
    const ids: string[] = [];
    for (const [index, part] of parts.entries()) {
      const id = randomUUID();
      const share = part.length / Math.max(1, batch.request_count);
      await tx`
        insert into provider_batches
          (id, job_id, provider, chunk_key, round, state, request_count, bytes, estimated_tokens,
           waiting_for_quota_since)
        values (${id}, ${batch.job_id}, ${batch.provider}, ${`${base}_q${(seen?.n ?? 0) + index + 1}`}, ${batch.round},
                'planned', ${part.length}, ${Math.round(Number(batch.bytes) * share)},
                ${Math.round(Number(batch.estimated_tokens) * share)}, now())`;
      await tx`
        update inputs i set batch_id = ${id}
        from unnest(${part.map((p) => p.custom_id)}::text[]) as u(custom_id)
        where i.job_id = ${batch.job_id} and i.custom_id = u.custom_id and i.batch_id = ${batch.id}`;
      ids.push(id);
    }
    await tx`update provider_batches set state = 'fetched', fetched_at = now() where id = ${batch.id}`;
    if (ids.length === 0) await finishJobIfDone(tx, batch.job_id);
    return ids;
  });
}

/** How long a provider's stated limit is kept: an organisation moves up a tier, or raises its limits, meanwhile. */
const LEARNED_FOR_HOURS = 24;

/** Records the batch queue limit a provider stated for a model when it refused a batch for its queue being full. */
export async function learnQuotaLimit(
  sql: Sql,
  provider: string,
  model: string,
  tokens: number,
): Promise<void> {
  await sql`
    insert into learned_quotas (provider, model, tokens, learned_at) values (${provider}, ${model}, ${tokens}, now())
    on conflict (provider, model) do update set tokens = excluded.tokens, learned_at = excluded.learned_at`;
}

/** The budget of in-flight tokens a provider stated for the model in the last day, if it did. */
export async function learnedBudgets(sql: Sql, provider: string, model: string): Promise<QuotaBudget[]> {
  const rows = await sql<{ tokens: number }[]>`
    select tokens::float8 as tokens from learned_quotas
    where provider = ${provider} and model = ${model}
      and learned_at > now() - make_interval(hours => ${LEARNED_FOR_HOURS})`;
  return rows.map((r) => ({ scope: 'model' as const, unit: 'tokens' as const, limit: r.tokens }));
}
