import type { ProviderDescriptor } from '../descriptor';
import { type OpenAIOptions, openAIClient } from './client';
import { openAIEncoder } from './encoder';
import { OPENAI_ENDPOINTS } from './endpoints';
import { openAIEmulatorEnv, openAIEnvSchema, openAIFileExpiryProblem, openAIOptionsFromEnv } from './env';
import { OPENAI_ENQUEUED_TOKENS } from './queue-limits';
import { OpenAIWireTransport } from './transport';

export const openAIDescriptor = {
  name: 'openai',
  label: 'OpenAI',
  kinds: ['chat', 'embedding'],
  limits: { maxRequests: 50_000, maxBytes: 200_000_000, inFlight: OPENAI_ENQUEUED_TOKENS },
  embeddingSize: 'request',
  env: {
    schema: openAIEnvSchema,
    options: openAIOptionsFromEnv,
    realWhen: ['OPENAI_API_KEY'],
    realEndpoint: 'https://api.openai.com/v1',
    emulator: openAIEmulatorEnv,
    fileExpiryProblem: openAIFileExpiryProblem,
  },
  encoder: openAIEncoder,
  params: { refused: [], defaultMaxTokens: null },
  // The Responses API in batches (`/v1/responses`, a job's `options.chat_api`) has no `stop`.
  chatApis: { chat_completions: { refused: [] }, responses: { refused: ['stop'] } },
  estimate: { tokenizer: 'tiktoken', maxOutput: 'openai-models' },
  demo: { chatModel: 'gpt-4o-mini' },
  createTransport: (options, settings) =>
    new OpenAIWireTransport({
      provider: 'openai',
      client: openAIClient(options),
      endpoints: OPENAI_ENDPOINTS,
      multipartUploads: true,
      uploadPartBytes: options.uploadPartBytes,
      resultIdleTimeoutMs: settings.resultIdleTimeoutMs,
      fileExpiresAfterSeconds: options.fileExpiresAfterSeconds,
      outputExpiresAfterSeconds: options.fileExpiresAfterSeconds,
    }),
} as const satisfies ProviderDescriptor<'openai', OpenAIOptions>;
