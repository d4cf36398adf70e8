import type OpenAI from 'openai';
import { NOT_OPENAI_SETTINGS } from '../openai/not-openai';

/**
 * How calls to the resource are authenticated: its key, or a Microsoft Entra ID token that `@azure/identity`'s
 * `DefaultAzureCredential` gets from wherever the process runs (service principal variables, workload identity,
 * managed identity, a developer's Azure CLI login…).
 */
export type AzureAuth = { kind: 'key'; apiKey: string } | { kind: 'entra' };

export interface AzureOpenAIOptions {
  /** The resource's base URL, e.g. `https://my-resource.openai.azure.com` (the emulator's `…/azure` in tests). */
  endpoint: string;
  auth: AzureAuth;
  maxRetries?: number;
  timeoutMs?: number;
}

/** The scope of an Entra token for Azure OpenAI (Azure AI services). */
export const AZURE_ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** The v1 API's base URL: `{endpoint}/openai/v1`, no `api-version` query. */
export function azureBaseURL(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/openai/v1`;
}

/**
 * The plain OpenAI client pointed at the resource's v1 API. Never `AzureOpenAI` with a `deployment`: it would post
 * batches under `/deployments/{d}/`.
 *
 * With a key, the key goes in the `api-key` header (the REST reference's scheme, what the SDK's `AzureOpenAI` sends)
 * and the `Authorization: Bearer` the client would add is removed, so the key is sent once. With Entra ID, the
 * client's `apiKey` is a token provider: the client asks it before each call and sends `Authorization: Bearer`; it
 * keeps the token until shortly before it expires, then gets a new one. `@azure/identity` is imported here, at the
 * first call, like `openai`: a process that never calls Azure never loads either.
 */
export function azureClient(options: AzureOpenAIOptions): () => Promise<OpenAI> {
  return async () => {
    const { default: OpenAI } = await import('openai');
    const common = {
      ...NOT_OPENAI_SETTINGS,
      baseURL: azureBaseURL(options.endpoint),
      maxRetries: options.maxRetries ?? 3,
      timeout: options.timeoutMs ?? 600_000,
    };
    const { auth } = options;
    if (auth.kind === 'key') {
      return new OpenAI({
        ...common,
        apiKey: auth.apiKey,
        defaultHeaders: { 'api-key': auth.apiKey, Authorization: null },
      });
    }
    const { DefaultAzureCredential, getBearerTokenProvider } = await import('@azure/identity');
    return new OpenAI({
      ...common,
      apiKey: getBearerTokenProvider(new DefaultAzureCredential(), AZURE_ENTRA_SCOPE),
    });
  };
}
