import type { Provider } from '@tranche/adapters';

export interface ConformanceTarget {
  provider: Provider;
  model: string;
  /**
   * How long after the batch reports its running state some requests have finished, in emulator steps: the
   * Anthropic emulator (like Anthropic) queues for a step inside `in_progress` before requests start ending.
   */
  stepsToPartialProgress: number;
  /** The model's list prices, copied by hand from the provider's pricing page (not read from the price table). */
  prices: HandPrices;
}

/**
 * Synchronous USD per million tokens. A batch costs half on every provider; `cachedInput` and `cacheWrite` default to
 * `input` (the provider bills no cache rate apart).
 */
export interface HandPrices {
  input: string;
  output: string;
  cachedInput?: string;
  cacheWrite?: string;
  /** Gemini on Vertex: cached tokens are billed at the cached rate, and the batch discount does not stack on it. */
  noBatchDiscountOnCached?: boolean;
}

export const EMBEDDING_MODELS: Record<Provider, string> = {
  openai: 'text-embedding-3-small',
  anthropic: 'none',
  mistral: 'mistral-embed',
  // Deliberately not in the price table: its results are stored with no cost, and counted as unpriced.
  vertex: 'text-embedding-005',
};

/**
 * What the embedding models above give: vectors of their own size (`dimensions`); and a model of the provider that
 * gives a smaller size when asked (`params.dimensions`), with where the provider sets it (per request, or once for
 * the batch job).
 */
export const EMBEDDING_SIZES: Partial<
  Record<Provider, { dimensions: number; resizable: string; scope: 'request' | 'batch' }>
> = {
  openai: { dimensions: 1536, resizable: 'text-embedding-3-small', scope: 'request' },
  mistral: { dimensions: 1024, resizable: 'codestral-embed', scope: 'request' },
  vertex: { dimensions: 768, resizable: 'text-embedding-005', scope: 'batch' },
};

/** Prices of the embedding models above that have one (USD per million input tokens). */
export const EMBEDDING_PRICES: Partial<Record<Provider, HandPrices>> = {
  openai: { input: '0.02', output: '0' },
  mistral: { input: '0.1', output: '0' },
};

/** A new provider joins the suite with one line here (and its adapter and emulator routes). */
export const TARGETS: ConformanceTarget[] = [
  {
    provider: 'openai',
    model: 'gpt-4o-mini',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.15', output: '0.60', cachedInput: '0.075' },
  },
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    stepsToPartialProgress: 1.5,
    prices: { input: '3', output: '15', cachedInput: '0.30', cacheWrite: '3.75' },
  },
  {
    provider: 'mistral',
    model: 'mistral-small-latest',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.1', output: '0.3' },
  },
  {
    provider: 'vertex',
    model: 'gemini-2.5-flash',
    stepsToPartialProgress: 0.5,
    prices: { input: '0.30', output: '2.50', cachedInput: '0.03', noBatchDiscountOnCached: true },
  },
];
