import { composeAdapter } from './compose-adapter';
import { descriptorOf, type ProviderEnv } from './providers';
import type { BatchAdapter, Provider } from './types';

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
    const descriptor = descriptorOf(provider);
    const found = descriptor.env.options(this.env);
    if ('missing' in found) throw new ProviderNotConfiguredError(provider, found.missing);
    const transport = descriptor.createTransport(found.options, {
      resultIdleTimeoutMs: this.env.RESULT_DOWNLOAD_IDLE_TIMEOUT_MS,
    });
    return composeAdapter(descriptor, transport);
  }
}
