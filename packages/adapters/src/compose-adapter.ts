import type { ProviderDescriptor, TransportSettings } from './descriptor';
import type { BatchAdapter, BatchTransport, Provider } from './types';

/**
 * The worker's view of a provider: the descriptor's name, limits, kinds and encoder over a transport. Each method is
 * an own property, so a test can spy on one adapter's calls without touching another's.
 */
export function composeAdapter(descriptor: ProviderDescriptor, transport: BatchTransport): BatchAdapter {
  const { encoder } = descriptor;
  return {
    provider: descriptor.name,
    limits: {
      maxRequests: descriptor.limits.maxRequests,
      maxBytes: descriptor.limits.maxBytes,
      ...(descriptor.limits.minRequests !== undefined ? { minRequests: descriptor.limits.minRequests } : {}),
    },
    kinds: descriptor.kinds,
    encodeLine: (customId, request, context) => encoder.encodeLine(customId, request, context),
    findExisting: (query) => transport.findExisting(query),
    submit: (request) => transport.submit(request),
    poll: (ref) => transport.poll(ref),
    fetchResults: (ref, context, onUnreadable) => transport.fetchResults(ref, context, onUnreadable),
    cancel: (ref) => transport.cancel(ref),
    ...(transport.cleanup ? { cleanup: transport.cleanup.bind(transport) } : {}),
  };
}

/** A provider's adapter from options given directly (tests, tools), not read from the environment. */
export function createAdapter<P extends Provider, Options>(
  descriptor: ProviderDescriptor<P, Options>,
  options: Options,
  settings: TransportSettings = {},
): BatchAdapter {
  return composeAdapter(descriptor as ProviderDescriptor, descriptor.createTransport(options, settings));
}
