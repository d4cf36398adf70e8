import type { ProviderDescriptor } from '../descriptor';
import { togetherEncoder } from './encoder';
import { togetherEmulatorEnv, togetherEnvSchema, togetherOptionsFromEnv } from './env';
import { type TogetherOptions, TogetherTransport } from './transport';

export const togetherDescriptor = {
  name: 'together',
  label: 'Together AI',
  // Its batches run chat completions and audio; it has no embeddings endpoint for batches.
  kinds: ['chat'],
  // 50,000 requests and 100 MB per input file (the batch overview). Its 30B enqueued tokens per model are one figure
  // for every account, not a tiered budget: PROVIDER_QUOTAS sets it where it matters.
  limits: { maxRequests: 50_000, maxBytes: 100_000_000 },
  embeddingSize: null,
  env: {
    schema: togetherEnvSchema,
    options: togetherOptionsFromEnv,
    realWhen: ['TOGETHER_API_KEY'],
    realEndpoint: 'https://api.together.xyz',
    emulator: togetherEmulatorEnv,
  },
  encoder: togetherEncoder,
  params: { refused: [], defaultMaxTokens: null },
  estimate: {
    tokenizer: 'approximation',
    // Its models are open-weight models of many families; no per-model output limit is published in one place.
    maxOutput: { tokens: 32_768, source: 'a bound for its open models (no published per-model limit)' },
  },
  demo: { chatModel: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' },
  createTransport: (options, settings) => new TogetherTransport(options, settings),
} as const satisfies ProviderDescriptor<'together', TogetherOptions>;
