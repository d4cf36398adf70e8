import type { ProviderDescriptor } from '../descriptor';
import { OpenAIWireTransport } from '../openai/transport';
import { GROQ_BASE_URL, type GroqOptions, groqClient } from './client';
import { groqEncoder } from './encoder';
import { GROQ_ENDPOINTS } from './endpoints';
import { groqEmulatorEnv, groqEnvSchema, groqOptionsFromEnv } from './env';
import { findGroqUploadedFile, groqBatchPages } from './listing';

/**
 * The order of Groq's batch list is not documented: `findExisting` reads this many pages of it (whatever Groq's page
 * size is) instead of stopping at the first batch older than the chunk. Generous, because a list read oldest first
 * and cut short would miss the batch it looks for; it is read only when a chunk is sent again after a lost answer.
 */
const LIST_PAGES = 100;

export const groqDescriptor = {
  name: 'groq',
  label: 'Groq',
  kinds: ['chat'],
  // 50,000 lines per file (the batch guide). Bytes: the guide says 200 MB, the API reference and the SDK say the
  // input file "can be up to 100 MB": the stricter figure. No batch queue budget is published (batch limits are
  // separate from the synchronous ones, and shown per organisation in its console).
  limits: { maxRequests: 50_000, maxBytes: 100_000_000 },
  embeddingSize: null,
  env: {
    schema: groqEnvSchema,
    options: groqOptionsFromEnv,
    realWhen: ['GROQ_API_KEY'],
    realEndpoint: GROQ_BASE_URL,
    emulator: groqEmulatorEnv,
  },
  encoder: groqEncoder,
  params: { refused: [], defaultMaxTokens: null },
  // Groq serves open models whose tokenizers are not OpenAI's. A request without `max_tokens` may generate up to its
  // model's max completion tokens: 131,072 for llama-3.1-8b-instant, the most of Groq's batch chat models.
  estimate: {
    tokenizer: 'approximation',
    maxOutput: { tokens: 131_072, source: "the most max completion tokens of Groq's batch chat models" },
  },
  demo: { chatModel: 'llama-3.1-8b-instant' },
  createTransport: (options, settings) =>
    new OpenAIWireTransport({
      provider: 'groq',
      client: groqClient(options),
      endpoints: GROQ_ENDPOINTS,
      // Groq has no Uploads API: every file goes up in one call (100 MB at most).
      multipartUploads: false,
      resultIdleTimeoutMs: settings.resultIdleTimeoutMs,
      completionWindow: options.completionWindow ?? '24h',
      listBatchPages: groqBatchPages,
      unorderedListPages: LIST_PAGES,
      findUploadedFile: findGroqUploadedFile,
    }),
} as const satisfies ProviderDescriptor<'groq', GroqOptions>;
