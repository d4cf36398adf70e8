import type OpenAI from 'openai';

export interface AzureOpenAIOptions {
  /** The resource's base URL, e.g. `https://my-resource.openai.azure.com` (the emulator's `…/azure` in tests). */
  endpoint: string;
  apiKey: string;
  maxRetries?: number;
  timeoutMs?: number;
}

/** The v1 API's base URL: `{endpoint}/openai/v1`, no `api-version` query. */
export function azureBaseURL(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/openai/v1`;
}

/**
 * The plain OpenAI client pointed at the resource's v1 API. The key goes in the `api-key` header (the REST
 * reference's scheme, what the SDK's `AzureOpenAI` sends); the `Authorization: Bearer` the client would add is
 * removed, so the key is sent once. Never `AzureOpenAI` with a `deployment`: it would post batches under
 * `/deployments/{d}/`.
 */
export function azureClient(options: AzureOpenAIOptions): () => Promise<OpenAI> {
  return async () => {
    const { default: OpenAI } = await import('openai');
    return new OpenAI({
      apiKey: options.apiKey,
      baseURL: azureBaseURL(options.endpoint),
      defaultHeaders: { 'api-key': options.apiKey, Authorization: null },
      maxRetries: options.maxRetries ?? 3,
      timeout: options.timeoutMs ?? 600_000,
    });
  };
}
