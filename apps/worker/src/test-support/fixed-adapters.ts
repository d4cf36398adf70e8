import {
  AdapterRegistry,
  type BatchAdapter,
  type Provider,
  ProviderNotConfiguredError,
} from '@tranche/adapters';
import type { WorkerContext } from '../context';

/** A registry that hands out the given adapters and treats every other provider as not configured. */
class FixedAdapters extends AdapterRegistry {
  constructor(private readonly fixed: Partial<Record<Provider, BatchAdapter>>) {
    super({});
  }

  override get(provider: Provider): BatchAdapter {
    const adapter = this.fixed[provider];
    if (!adapter) throw new ProviderNotConfiguredError(provider, `(no ${provider} adapter in this test)`);
    return adapter;
  }
}

/** The same worker context with other adapters: a test swaps in a scripted provider for one case. */
export function withAdapters(
  ctx: WorkerContext,
  adapters: Partial<Record<Provider, BatchAdapter>>,
): WorkerContext {
  return { ...ctx, adapters: new FixedAdapters(adapters) };
}
