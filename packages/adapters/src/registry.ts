import type { ProviderEnv } from '@tranche/config';
import { AnthropicAdapter } from './anthropic/adapter';
import { MistralAdapter } from './mistral/adapter';
import { mistralOptionsFromEnv } from './mistral/env';
import { OpenAIAdapter } from './openai/adapter';
import type { BatchAdapter, Provider } from './types';
import { VertexAdapter } from './vertex/adapter';
import { vertexOptionsFromEnv } from './vertex/env';

export class ProviderNotConfiguredError extends Error {
  constructor(
    readonly provider: Provider,
    readonly variable: string,
  ) {
    super(`provider ${provider} is not configured: set ${variable}`);
    this.name = 'ProviderNotConfiguredError';
  }
}

/** Builds (once per provider) the adapters a process needs, from the environment parsed at start. */
export class AdapterRegistry {
  private readonly cache = new Map<Provider, BatchAdapter>();

  constructor(private readonly env: ProviderEnv) {}

  get(provider: Provider): BatchAdapter {
    const cached = this.cache.get(provider);
    if (cached) return cached;
    const adapter = this.build(provider);
    this.cache.set(provider, adapter);
    return adapter;
  }

  private build(provider: Provider): BatchAdapter {
    switch (provider) {
      case 'openai': {
        if (!this.env.OPENAI_API_KEY) throw new ProviderNotConfiguredError(provider, 'OPENAI_API_KEY');
        return new OpenAIAdapter({
          apiKey: this.env.OPENAI_API_KEY,
          baseURL: this.env.OPENAI_BASE_URL,
          resultIdleTimeoutMs: this.env.RESULT_DOWNLOAD_IDLE_TIMEOUT_MS,
        });
      }
      case 'anthropic': {
        if (!this.env.ANTHROPIC_API_KEY) throw new ProviderNotConfiguredError(provider, 'ANTHROPIC_API_KEY');
        return new AnthropicAdapter({
          apiKey: this.env.ANTHROPIC_API_KEY,
          baseURL: this.env.ANTHROPIC_BASE_URL,
          resultIdleTimeoutMs: this.env.RESULT_DOWNLOAD_IDLE_TIMEOUT_MS,
        });
      }
      case 'mistral': {
        const found = mistralOptionsFromEnv(this.env);
        if ('missing' in found) throw new ProviderNotConfiguredError(provider, found.missing);
        return new MistralAdapter({
          ...found.options,
          resultIdleTimeoutMs: this.env.RESULT_DOWNLOAD_IDLE_TIMEOUT_MS,
        });
      }
      case 'vertex': {
        const found = vertexOptionsFromEnv(this.env);
        if ('missing' in found) throw new ProviderNotConfiguredError(provider, found.missing);
        return new VertexAdapter({
          ...found.options,
          resultIdleTimeoutMs: this.env.RESULT_DOWNLOAD_IDLE_TIMEOUT_MS,
        });
      }
    }
  }
}
