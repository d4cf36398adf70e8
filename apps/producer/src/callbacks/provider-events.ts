/**
 * The providers whose batch webhooks Tranche takes, and how each one's event names a batch. An event only says which
 * batch to look at: what happened to it is read from the provider by the poll, never from the event.
 */
export const CALLBACK_PROVIDERS = ['openai', 'gemini'] as const;
export type CallbackProvider = (typeof CALLBACK_PROVIDERS)[number];

export function isCallbackProvider(value: string): value is CallbackProvider {
  return (CALLBACK_PROVIDERS as readonly string[]).includes(value);
}

/** What a verified event says, reduced to what Tranche acts on. */
export interface CallbackEvent {
  type: string | null;
  /** The ways `provider_batches.provider_batch_id` may hold the batch the event names; empty: no batch of interest. */
  providerBatchIds: string[];
}

// OpenAI: `{id: "evt_…", type: "batch.completed", created_at, data: {id: "batch_…"}}` (the `openai` SDK's
// webhook event types). Other types (responses, fine-tuning, evals) name no batch.
const OPENAI_BATCH_EVENTS = new Set(['batch.completed', 'batch.failed', 'batch.cancelled', 'batch.expired']);

// The Gemini API's webhook reference lists batch.succeeded, batch.failed and batch.expired; batch.cancelled is
// taken too, since waking a poll for it costs one provider read at most.
const GEMINI_BATCH_EVENTS = new Set(['batch.succeeded', 'batch.failed', 'batch.expired', 'batch.cancelled']);

const GEMINI_BATCH_PREFIX = 'batches/';

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The event in a verified body, or null when the body is not a JSON object. */
export function parseCallbackEvent(provider: CallbackProvider, body: unknown): CallbackEvent | null {
  const event = record(body);
  if (!event) return null;
  const type = nonEmpty(event.type) ? event.type : null;
  const data = record(event.data);
  if (provider === 'openai') {
    const id = data?.id;
    return {
      type,
      providerBatchIds: type && OPENAI_BATCH_EVENTS.has(type) && nonEmpty(id) ? [id] : [],
    };
  }
  if (!type || !GEMINI_BATCH_EVENTS.has(type)) return { type, providerBatchIds: [] };
  // Tranche keeps a Gemini batch as its resource name (`batches/abc`); whether the event's `data.id` carries the
  // prefix is not documented, so both spellings are looked up (and `data.name`, the resource's own field).
  const ids = new Set<string>();
  for (const value of [data?.id, data?.name]) {
    if (!nonEmpty(value)) continue;
    const bare = value.startsWith(GEMINI_BATCH_PREFIX) ? value.slice(GEMINI_BATCH_PREFIX.length) : value;
    if (bare.length === 0) continue;
    ids.add(`${GEMINI_BATCH_PREFIX}${bare}`);
    ids.add(bare);
  }
  return { type, providerBatchIds: [...ids] };
}
