import type { RequestEncoder } from './descriptor';
import type { BatchContext, ProviderLimits } from './types';

export interface PlannableInput {
  customId: string;
  /** Estimated bytes of this request's line in the request file, newline included. */
  bytes: number;
  /** Estimated input tokens of this request: counted against `maxTokens` when the limits set one. */
  tokens?: number;
}

/** A provider's limits, the operator's caps, and the size of the provider's quota a chunk must fit in. */
export interface ChunkLimits extends ProviderLimits {
  /** Estimated input tokens one chunk may hold at most (its provider's token quota); unset: no cap. */
  maxTokens?: number;
}

export class OversizedInputError extends Error {
  constructor(
    readonly customId: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`input ${customId} needs ${bytes} bytes, over the ${maxBytes}-byte batch limit`);
    this.name = 'OversizedInputError';
  }
}

/** The tighter of the provider's hard limits and the operator's cap (and the cap's token quota, if any). */
export function effectiveLimits(provider: ProviderLimits, cap: ChunkLimits): ChunkLimits {
  return {
    maxRequests: Math.min(provider.maxRequests, cap.maxRequests),
    maxBytes: Math.min(provider.maxBytes, cap.maxBytes),
    ...(cap.maxTokens !== undefined ? { maxTokens: cap.maxTokens } : {}),
  };
}

/**
 * Packs inputs, in order, into as few chunks as the limits allow. An input over the operator's byte cap (or alone
 * over `maxTokens`) but within the provider's hard limit (`hardMaxBytes`) goes alone in a chunk; one over the hard
 * limit is reported, not silently dropped: the caller fails it as `invalid_request`.
 */
export function planChunks<T extends PlannableInput>(
  items: Iterable<T>,
  limits: ChunkLimits,
  hardMaxBytes = limits.maxBytes,
): { chunks: T[][]; oversized: T[] } {
  const maxTokens = limits.maxTokens ?? Number.POSITIVE_INFINITY;
  const chunks: T[][] = [];
  const oversized: T[] = [];
  let current: T[] = [];
  let currentBytes = 0;
  let currentTokens = 0;
  for (const item of items) {
    const tokens = item.tokens ?? 0;
    if (item.bytes > hardMaxBytes) {
      oversized.push(item);
      continue;
    }
    if (item.bytes > limits.maxBytes || tokens > maxTokens) {
      chunks.push([item]);
      continue;
    }
    if (
      current.length >= limits.maxRequests ||
      currentBytes + item.bytes > limits.maxBytes ||
      currentTokens + tokens > maxTokens
    ) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
      currentTokens = 0;
    }
    current.push(item);
    currentBytes += item.bytes;
    currentTokens += tokens;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversized };
}

/**
 * Bytes a request's line adds beyond the request itself (ids, method, url, model, output schema), with room for a
 * custom id of 64 bytes: the submit worker plans with it, and a dry run must plan the same chunks.
 */
export function requestLineOverhead(encoder: RequestEncoder, context: BatchContext): number {
  return encoder.encodeLine('x'.repeat(64), {}, context).length + 64;
}
