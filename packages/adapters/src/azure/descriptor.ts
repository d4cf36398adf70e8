import type { ProviderDescriptor } from '../descriptor';
import { OpenAIWireTransport } from '../openai/transport';
import { type AzureOpenAIOptions, azureClient } from './client';
import { azureEncoder } from './encoder';
import { AZURE_ENDPOINTS } from './endpoints';
import { azureEmulatorEnv, azureEnvSchema, azureOptionsFromEnv } from './env';

/** 14 days: valid under both of Azure's documented ranges; with it the resource holds 10,000 files, not 500. */
const FILE_EXPIRES_AFTER_S = 14 * 24 * 3600;

/** "Only files with status 'Processed' are accepted", and a fail-fast region's enqueued-token refusal. */
const NOT_NOW = /'pending' state|token_limit_exceeded/i;

export const azureDescriptor = {
  name: 'azure',
  label: 'Azure OpenAI',
  kinds: ['chat'],
  // Global and Data Zone Batch: 100,000 requests and 200 MB per input file. Its enqueued-token quota is set per
  // deployment, so no default is assumed: the worker learns it from the limit a `token_limit_exceeded` states.
  limits: { maxRequests: 100_000, maxBytes: 200_000_000 },
  embeddingSize: null,
  env: {
    schema: azureEnvSchema,
    options: azureOptionsFromEnv,
    realWhen: ['AZURE_OPENAI_ENDPOINT'],
    realEndpoint: 'https://<resource>.openai.azure.com/openai/v1',
    emulator: azureEmulatorEnv,
  },
  encoder: azureEncoder,
  params: { refused: [], defaultMaxTokens: null },
  // A job's model is a deployment name; deployments named after their model get OpenAI's tokenizer and limits.
  estimate: { tokenizer: 'tiktoken', maxOutput: 'openai-models' },
  // The deployment the demo and the emulator-backed tests use: one named after its model, as is the convention.
  demo: { chatModel: 'gpt-4o-mini' },
  createTransport: (options, settings) =>
    new OpenAIWireTransport({
      provider: 'azure',
      client: azureClient(options),
      endpoints: AZURE_ENDPOINTS,
      // Uploads for `purpose=batch` are not confirmed on Azure, and cannot pass the 200 MB cap anyway: one POST.
      multipartUploads: false,
      resultIdleTimeoutMs: settings.resultIdleTimeoutMs,
      fileExpiresAfterSeconds: FILE_EXPIRES_AFTER_S,
      awaitProcessed: { timeoutMs: 5 * 60_000, intervalMs: 250 },
      retryableCreateRefusal: NOT_NOW,
      unorderedListPages: 10,
    }),
} as const satisfies ProviderDescriptor<'azure', AzureOpenAIOptions>;
