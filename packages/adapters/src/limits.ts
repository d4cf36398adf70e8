import type { JobKind, Provider, ProviderLimits } from './types';

/**
 * Each provider's hard per-batch limits (docs/providers/README.md#limits) and what kinds of work it batches. Where
 * the docs say "200 MB" without saying which megabyte, the decimal one (OpenAI, Anthropic, Vertex): the stricter
 * reading never gets a batch refused. Mistral's cap, its 512 MB file upload limit, is taken as 512 MiB.
 */
export const PROVIDER_LIMITS: Record<Provider, ProviderLimits> = {
  openai: { maxRequests: 50_000, maxBytes: 200_000_000 },
  anthropic: { maxRequests: 100_000, maxBytes: 256_000_000 },
  mistral: { maxRequests: 1_000_000, maxBytes: 512 * 1024 * 1024 },
  vertex: { maxRequests: 200_000, maxBytes: 1_000_000_000 },
};

export const PROVIDER_KINDS: Record<Provider, readonly JobKind[]> = {
  openai: ['chat', 'embedding'],
  anthropic: ['chat'],
  mistral: ['chat', 'embedding'],
  vertex: ['chat', 'embedding'],
};

/**
 * Where an embedding's vector size is set: on each request (OpenAI's `dimensions`, Mistral's `output_dimension`),
 * or once for the whole batch job (Vertex's `modelParameters.outputDimensionality`), so one size per job.
 */
export const EMBEDDING_SIZE_SCOPE: Record<Provider, 'request' | 'batch' | null> = {
  openai: 'request',
  anthropic: null,
  mistral: 'request',
  vertex: 'batch',
};
