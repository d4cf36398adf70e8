import {
  type BatchContext,
  descriptorOf,
  effectiveLimits,
  type Provider,
  type ProviderLimits,
  planChunks,
  requestLineOverhead,
} from '@tranche/adapters';

export interface ChunkSummary {
  requests: number;
  bytes: number;
}

/** Bytes a request's line adds beyond the request itself, exactly as the submit worker counts them. */
export function lineOverhead(provider: Provider, context: BatchContext): number {
  return requestLineOverhead(descriptorOf(provider).encoder, context);
}

/** The chunks the submit worker would plan for these request sizes (in input order), under the same limits. */
export function planChunkSummary(
  provider: Provider,
  requestBytes: Iterable<number>,
  overhead: number,
  caps: ProviderLimits,
): { chunks: ChunkSummary[]; limits: ProviderLimits } {
  const hard = descriptorOf(provider).limits;
  const limits = effectiveLimits(hard, caps);
  const items = (function* () {
    for (const bytes of requestBytes) yield { customId: '', bytes: bytes + overhead };
  })();
  const { chunks } = planChunks(items, limits, hard.maxBytes, hard.maxRequests);
  return {
    limits,
    chunks: chunks.map((chunk) => ({
      requests: chunk.length,
      bytes: chunk.reduce((sum, item) => sum + item.bytes, 0),
    })),
  };
}
