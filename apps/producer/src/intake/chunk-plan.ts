import {
  AdapterRegistry,
  type BatchContext,
  effectiveLimits,
  PROVIDER_LIMITS,
  type Provider,
  type ProviderLimits,
  planChunks,
  requestLineOverhead,
} from '@tranche/adapters';

export interface ChunkSummary {
  requests: number;
  bytes: number;
}

/**
 * Adapters used only to encode request lines, never to call a provider: placeholders stand in for the
 * credentials (the worker's real adapters encode the same lines).
 */
const lineEncoders = new AdapterRegistry({
  OPENAI_API_KEY: 'dry-run',
  ANTHROPIC_API_KEY: 'dry-run',
  MISTRAL_API_KEY: 'dry-run',
  GOOGLE_CLOUD_PROJECT: 'dry-run',
  VERTEX_GCS_BUCKET: 'dry-run',
  VERTEX_ACCESS_TOKEN: 'dry-run',
});

/** Bytes a request's line adds beyond the request itself, exactly as the submit worker counts them. */
export function lineOverhead(provider: Provider, context: BatchContext): number {
  return requestLineOverhead(lineEncoders.get(provider), context);
}

/** The chunks the submit worker would plan for these request sizes (in input order), under the same limits. */
export function planChunkSummary(
  provider: Provider,
  requestBytes: Iterable<number>,
  overhead: number,
  caps: ProviderLimits,
): { chunks: ChunkSummary[]; limits: ProviderLimits } {
  const hard = PROVIDER_LIMITS[provider];
  const limits = effectiveLimits(hard, caps);
  const items = (function* () {
    for (const bytes of requestBytes) yield { customId: '', bytes: bytes + overhead };
  })();
  const { chunks } = planChunks(items, limits, hard.maxBytes);
  return {
    limits,
    chunks: chunks.map((chunk) => ({
      requests: chunk.length,
      bytes: chunk.reduce((sum, item) => sum + item.bytes, 0),
    })),
  };
}
