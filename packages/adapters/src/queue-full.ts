import type { BatchFailureReason } from './types';

/**
 * Codes with which a provider fails a whole batch because the organisation's batch queue is full, not because of
 * anything in its requests: OpenAI's (and Azure OpenAI's) `token_limit_exceeded`, "Enqueued token limit reached for
 * <model>". The same requests go through once earlier batches have finished.
 */
export const QUEUE_FULL_CODES: ReadonlySet<string> = new Set(['token_limit_exceeded']);

/** The provider failed the batch for its queue being full, blaming no request of it. */
export function isQueueFull(failures: readonly BatchFailureReason[] | null | undefined): boolean {
  if (!failures || failures.length === 0) return false;
  return failures.some((f) => QUEUE_FULL_CODES.has(f.code)) && failures.every((f) => !f.line);
}

/** "Limit: 2,000,000 enqueued tokens." in OpenAI's message. */
const STATED_LIMIT = /Limit: ([\d,]+) enqueued tokens/;
/** "…has surpassed the configured limit of 30K for the deployment 'gpt-4.1-batch'…" in Azure OpenAI's message. */
const CONFIGURED_LIMIT = /configured limit of (\d[\d,]*(?:\.\d+)?)\s*([KMB])?\b/i;
const SUFFIX: Readonly<Record<string, number>> = { K: 1e3, M: 1e6, B: 1e9 };

/** The token count a provider's message states, in either wording; NaN when it states none. */
function limitIn(message: string): number {
  const stated = STATED_LIMIT.exec(message);
  if (stated) return Number(stated[1]!.replaceAll(',', ''));
  const configured = CONFIGURED_LIMIT.exec(message);
  if (!configured) return Number.NaN;
  const multiplier = configured[2] ? SUFFIX[configured[2].toUpperCase()]! : 1;
  return Math.round(Number(configured[1]!.replaceAll(',', '')) * multiplier);
}

/** The enqueued-token limit the provider stated in a queue-full failure, if it did. */
export function statedQueueLimit(failures: readonly BatchFailureReason[] | null | undefined): number | null {
  for (const failure of failures ?? []) {
    if (!QUEUE_FULL_CODES.has(failure.code)) continue;
    const tokens = limitIn(failure.message);
    if (Number.isSafeInteger(tokens) && tokens > 0) return tokens;
  }
  return null;
}
