import type { Provider } from '@tranche/adapters';

export interface ConformanceTarget {
  provider: Provider;
  model: string;
}

export const EMBEDDING_MODELS: Record<Provider, string> = {
  openai: 'text-embedding-3-small',
  anthropic: 'none',
  mistral: 'mistral-embed',
  vertex: 'text-embedding-005',
};

/** A new provider joins the suite with one line here (and its adapter and emulator routes). */
export const TARGETS: ConformanceTarget[] = [{ provider: 'openai', model: 'gpt-4o-mini' }];
