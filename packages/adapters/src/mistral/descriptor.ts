import type { ProviderDescriptor } from '../descriptor';
import { mistralEncoder } from './encoder';
import { mistralEmulatorEnv, mistralEnvSchema, mistralOptionsFromEnv } from './env';
import { type MistralOptions, MistralTransport } from './transport';

export const mistralDescriptor = {
  name: 'mistral',
  label: 'Mistral',
  kinds: ['chat', 'embedding'],
  // Its cap is its 512 MB file upload limit, taken as 512 MiB.
  limits: { maxRequests: 1_000_000, maxBytes: 512 * 1024 * 1024 },
  embeddingSize: 'request',
  env: {
    schema: mistralEnvSchema,
    options: mistralOptionsFromEnv,
    realWhen: ['MISTRAL_API_KEY'],
    realEndpoint: 'https://api.mistral.ai',
    emulator: mistralEmulatorEnv,
  },
  encoder: mistralEncoder,
  params: { refused: [], defaultMaxTokens: null },
  estimate: {
    tokenizer: 'approximation',
    // Mistral bounds output by the context window only: 128k, the window of most current models.
    maxOutput: { tokens: 128_000, source: "the model's context window" },
  },
  demo: { chatModel: 'mistral-small-latest' },
  createTransport: (options, settings) => new MistralTransport(options, settings),
} as const satisfies ProviderDescriptor<'mistral', MistralOptions>;
