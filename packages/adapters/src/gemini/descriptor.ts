import type { ProviderDescriptor } from '../descriptor';
import { geminiEncoder } from './encoder';
import { GEMINI_ENQUEUED_TOKENS, geminiEmulatorEnv, geminiEnvSchema, geminiOptionsFromEnv } from './env';
import { type GeminiOptions, GeminiTransport } from './transport';

export const geminiDescriptor = {
  name: 'gemini',
  label: 'Gemini API',
  kinds: ['chat', 'embedding'],
  // 2 GB per input file (the batch guide); no per-batch request cap is documented: Vertex's 200,000 is taken.
  limits: { maxRequests: 200_000, maxBytes: 2_000_000_000, inFlight: GEMINI_ENQUEUED_TOKENS },
  // gemini-embedding-001 takes `outputDimensionality` on each EmbedContentRequest.
  embeddingSize: 'request',
  env: {
    schema: geminiEnvSchema,
    options: geminiOptionsFromEnv,
    realWhen: ['GEMINI_API_KEY'],
    realEndpoint: 'https://generativelanguage.googleapis.com',
    emulator: geminiEmulatorEnv,
  },
  encoder: geminiEncoder,
  params: { refused: [], defaultMaxTokens: null },
  estimate: { tokenizer: 'approximation', maxOutput: 'gemini-models' },
  demo: { chatModel: 'gemini-2.5-flash' },
  createTransport: (options, settings) => new GeminiTransport(options, settings),
} as const satisfies ProviderDescriptor<'gemini', GeminiOptions>;
