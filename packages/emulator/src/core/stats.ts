export interface ProviderStats {
  /** Batches the provider accepted. */
  batches: number;
  /** Requests (input lines) in the accepted batches. */
  requests: number;
  /** Bytes uploaded to the provider. */
  bytes: number;
}

export type Stats = Record<string, ProviderStats>;

const zero = (): ProviderStats => ({ batches: 0, requests: 0, bytes: 0 });

export class StatsRegistry {
  private readonly byProvider = new Map<string, ProviderStats>();

  register(provider: string): void {
    if (!this.byProvider.has(provider)) this.byProvider.set(provider, zero());
  }

  add(provider: string, delta: Partial<ProviderStats>): void {
    this.register(provider);
    const stats = this.byProvider.get(provider)!;
    stats.batches += delta.batches ?? 0;
    stats.requests += delta.requests ?? 0;
    stats.bytes += delta.bytes ?? 0;
  }

  snapshot(): Stats {
    const out: Stats = {};
    for (const [provider, stats] of this.byProvider) out[provider] = { ...stats };
    return out;
  }

  reset(): void {
    for (const provider of this.byProvider.keys()) this.byProvider.set(provider, zero());
  }
}
