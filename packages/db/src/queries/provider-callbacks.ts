import type { Sql } from '../client';

/**
 * How long a provider callback's `webhook-id` is remembered: longer than any provider retries one delivery (OpenAI
 * for up to 72 h, the Gemini API for up to 24 h), so a retry or a replay in that time finds it.
 */
export const PROVIDER_CALLBACK_RETENTION_H = 7 * 24;

/** Expired rows deleted, at most, by each new delivery: the table holds about a week of them without a sweeper. */
const EXPIRED_PER_CALLBACK = 100;

/** A delivery whose signature held. */
export interface ProviderCallback {
  provider: string;
  /** The `webhook-id` header: the same on every attempt of one delivery. */
  webhookId: string;
  eventType: string | null;
  /**
   * The ways the event may spell the provider's batch id, as `provider_batches.provider_batch_id` would hold it (the
   * Gemini API's `batches/abc` or `abc`); empty when the event names no batch.
   */
  providerBatchIds: string[];
}

/**
 * What a delivery led to: `replay` (its `webhook-id` was seen before: nothing done), `no_batch` (the event is not
 * about a batch), `unknown_batch` (no batch of Tranche's has that id), `not_running` (the batch is not at the
 * provider: planned, or ended already), `woken` (its poll was woken).
 */
export type ProviderCallbackOutcome = 'replay' | 'no_batch' | 'unknown_batch' | 'not_running' | 'woken';

/**
 * Records the delivery and, the first time its `webhook-id` is seen, wakes the poll of the batch it names when that
 * batch is at the provider (`wake` is given Tranche's batch id). Both happen in one transaction: if `wake` throws
 * (Redis away), the record is rolled back with it, so the provider's retry of the same delivery is acted on. Two
 * deliveries of one `webhook-id` at once: the second waits on the primary key, then finds the first's row.
 */
export async function recordProviderCallback(
  sql: Sql,
  callback: ProviderCallback,
  wake: (batchId: string) => Promise<void>,
): Promise<ProviderCallbackOutcome> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    await tx`
      delete from provider_callbacks where (provider, webhook_id) in (
        select provider, webhook_id from provider_callbacks
        where received_at < now() - make_interval(hours => ${PROVIDER_CALLBACK_RETENTION_H})
        order by received_at limit ${EXPIRED_PER_CALLBACK}
        for update skip locked)`;
    // An expired row of this very id gives way first, so the insert below decides by the retention alone.
    await tx`
      delete from provider_callbacks
      where provider = ${callback.provider} and webhook_id = ${callback.webhookId}
        and received_at < now() - make_interval(hours => ${PROVIDER_CALLBACK_RETENTION_H})`;
    const inserted = await tx`
      insert into provider_callbacks (provider, webhook_id, event_type, provider_batch_id)
      values (${callback.provider}, ${callback.webhookId}, ${callback.eventType},
              ${callback.providerBatchIds[0] ?? null})
      on conflict (provider, webhook_id) do nothing
      returning webhook_id`;
    if (inserted.length === 0) return 'replay';
    if (callback.providerBatchIds.length === 0) return 'no_batch';
    const [batch] = await tx<{ id: string; state: string }[]>`
      select id, state from provider_batches
      where provider = ${callback.provider} and provider_batch_id = any(${callback.providerBatchIds}::text[])
      limit 1`;
    if (!batch) return 'unknown_batch';
    await tx`
      update provider_callbacks set batch_id = ${batch.id}
      where provider = ${callback.provider} and webhook_id = ${callback.webhookId}`;
    // Only a batch at the provider has a poll to wake: a planned one has no provider id yet, and an ended one was
    // handed to fetch already.
    if (batch.state !== 'submitted') return 'not_running';
    await wake(batch.id);
    return 'woken';
  }) as Promise<ProviderCallbackOutcome>;
}

/**
 * Whether a callback naming the batch came in during the last `withinMs` (by the database's clock, which wrote
 * `received_at`; only a duration crosses from the caller's): a poll that was already asking the provider when it came
 * may have read the batch a moment before it ended, and its `pollNow` found the poll running, so it changed nothing.
 */
export async function callbackReceivedWithin(sql: Sql, batchId: string, withinMs: number): Promise<boolean> {
  const rows = await sql`
    select 1 from provider_callbacks
    where batch_id = ${batchId} and received_at >= now() - make_interval(secs => ${withinMs / 1000})
    limit 1`;
  return rows.length > 0;
}
