import { asNumber, asObject } from '../json-fields';
import type { Usage } from '../types';

/** `usageMetadata`: thinking tokens are billed as output; cached prompt tokens are part of the prompt count. */
export function geminiUsage(raw: unknown): Usage | null {
  const usage = asObject(raw);
  if (!usage) return null;
  return {
    inputTokens: asNumber(usage.promptTokenCount),
    outputTokens: asNumber(usage.candidatesTokenCount) + asNumber(usage.thoughtsTokenCount),
    cachedTokens: asNumber(usage.cachedContentTokenCount),
    cacheWriteTokens: 0,
    raw: usage,
  };
}
