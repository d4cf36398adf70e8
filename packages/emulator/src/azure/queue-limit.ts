import type { AzureEnqueuedTokenLimit } from '../core/fault-schema';
import type { QueueLimit } from '../openai/enqueued-tokens';

/** 30000 → `30K`, 1500000000 → `1.5B`: Azure states its configured limit abbreviated. */
export function abbreviated(tokens: number): string {
  for (const [size, suffix] of [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ] as const) {
    if (tokens >= size) return `${Number((tokens / size).toFixed(2))}${suffix}`;
  }
  return String(tokens);
}

/** `azure_enqueued_token_limit` in Azure's words (Microsoft Q&A 2285577), per deployment. */
export function azureQueueLimit(limit: AzureEnqueuedTokenLimit | null): QueueLimit | null {
  if (!limit) return null;
  return {
    tokens: limit.tokens,
    model: limit.deployment,
    failFast: limit.fail_fast,
    message: (deployment) =>
      `The number of enqueued tokens has surpassed the configured limit of ${abbreviated(limit.tokens)} for the ` +
      `deployment '${deployment}'. Please either increase the limit or try again once the current jobs have finished.`,
  };
}
