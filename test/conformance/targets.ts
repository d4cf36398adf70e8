import type { Provider } from '@tranche/adapters';

export interface ConformanceTarget {
  provider: Provider;
  model: string;
  /**
   * How long after the batch reports its running state some requests have finished, in emulator steps: the
   * Anthropic emulator (like Anthropic) queues for a step inside `in_progress` before requests start ending.
   */
  stepsToPartialProgress: number;
}

export const EMBEDDING_MODELS: Record<Provider, string> = {
  openai: 'text-embedding-3-small',
  anthropic: 'none',
  mistral: 'mistral-embed',
  vertex: 'text-embedding-005',
};

/** A new provider joins the suite with one line here (and its adapter and emulator routes). */
export const TARGETS: ConformanceTarget[] = [
  { provider: 'openai', model: 'gpt-4o-mini', stepsToPartialProgress: 0.5 },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', stepsToPartialProgress: 1.5 },
  { provider: 'mistral', model: 'mistral-small-latest', stepsToPartialProgress: 0.5 },
  { provider: 'vertex', model: 'gemini-2.5-flash', stepsToPartialProgress: 0.5 },
];
