import type { CompatiblePlan } from '../openai-compatible/request-plan';
import type { OpenAIBatch } from './batch-record';
import type { WireBatchError } from './types';

/** Prompt tokens a validated batch enqueues: those of its requests that run (refused lines count none). */
export function enqueuedTokens(plan: CompatiblePlan): number {
  return plan.inputTokensBefore[plan.total] ?? 0;
}

/**
 * The validation error OpenAI gives a batch that would take its model's enqueued prompt tokens, over every batch of
 * the organisation still validated, in progress, finalizing or cancelling, past the limit; null when it fits (or no
 * limit applies to the model). The message is the API's, with the emulator's organisation.
 */
export function queueFullError(
  plan: CompatiblePlan,
  others: Iterable<OpenAIBatch>,
  limit: QueueLimit | null,
): WireBatchError | null {
  if (!limit || (limit.model !== undefined && limit.model !== plan.model)) return null;
  let enqueued = enqueuedTokens(plan);
  for (const other of others) {
    if (!other.plan || other.failure || other.phase === 'ended') continue;
    if (other.plan.model === plan.model) enqueued += enqueuedTokens(other.plan);
  }
  if (enqueued <= limit.tokens) return null;
  return { code: 'token_limit_exceeded', message: limit.message(plan.model), param: null, line: null };
}

/** An enqueued-token limit as a provider on OpenAI's wire words it. */
export interface QueueLimit {
  tokens: number;
  /** The one model (or deployment) it applies to; every model on its own when unset. */
  model?: string | undefined;
  /** The create call is refused with a 400 instead of the batch failing validation (Azure's fail-fast regions). */
  failFast?: boolean | undefined;
  message(model: string): string;
}

/** OpenAI's `openai_enqueued_token_limit` in OpenAI's words, with the emulator's organisation. */
export function openAIQueueLimit(
  limit: { tokens: number; model?: string | undefined } | null,
): QueueLimit | null {
  if (!limit) return null;
  return {
    tokens: limit.tokens,
    model: limit.model,
    message: (model) =>
      `Enqueued token limit reached for ${model} in organization org-emulator. ` +
      `Limit: ${limit.tokens.toLocaleString('en-US')} enqueued tokens. ` +
      'Please try again once some in_progress batches have been completed.',
  };
}
