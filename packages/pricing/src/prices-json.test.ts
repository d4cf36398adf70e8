import { describe, expect, it } from 'vitest';
import { loadPriceTable, type PricedProvider } from './price-table';
import { Pricer } from './pricer';

// Checks over the table shipped in the repository: a typo in prices.json fails here, not in a bill.
const table = loadPriceTable();
const pricer = new Pricer(table);
const entries = Object.entries(table.providers).flatMap(([provider, settings]) =>
  Object.entries(settings.models).map(([model, prices]) => ({
    provider: provider as PricedProvider,
    model,
    prices,
  })),
);
const label = ({ provider, model }: { provider: string; model: string }) => `${provider}/${model}`;

describe('prices.json', () => {
  it('has a version and the date the prices were read', () => {
    expect(table.version).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(table.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(entries.length).toBeGreaterThan(50);
  });

  it('gives every provider a 50% batch discount; Gemini (on Vertex and on the Gemini API) does not stack it with the cache discount', () => {
    // A hand-kept fact per provider, from its pricing page.
    // Azure OpenAI does not say whether it stacks: cached input is billed undiscounted, an upper bound.
    const notStacked = new Set(['vertex', 'gemini', 'azure']);
    // Together discounts only the models its batch overview lists (next test); the rest pay standard rates.
    const perModel = new Set(['together']);
    for (const [name, settings] of Object.entries(table.providers)) {
      expect(settings.batch_discount, name).toBe(perModel.has(name) ? 0 : 0.5);
      expect(settings.batch_discount_applies_to_cached_input, name).toBe(!notStacked.has(name));
      expect(settings.source, name).toMatch(/^https:\/\//);
    }
  });

  it('discounts on Together exactly the models its batch overview lists, by half', () => {
    // Hand-copied from docs.together.ai/docs/inference/batch/overview ("Discounted models"), chat models only.
    const listed = [
      'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      'meta-llama/Llama-3-70b-chat-hf',
      'Qwen/Qwen2.5-7B-Instruct-Turbo',
      'mistralai/Mixtral-8x7B-Instruct-v0.1',
      'zai-org/GLM-4.5-Air-FP8',
    ];
    const together = table.providers.together.models;
    for (const [model, prices] of Object.entries(together))
      expect(prices.batch_discount, model).toBe(listed.includes(model) ? 0.5 : undefined);
    expect(Object.values(together).filter((p) => p.batch_discount === undefined).length).toBeGreaterThan(0);
    // Nowhere else does a model carry a discount of its own.
    for (const entry of entries.filter((e) => e.provider !== 'together'))
      expect(entry.prices.batch_discount, label(entry)).toBeUndefined();
  });

  it.each(entries)('$provider $model: output >= 0, cached input <= input, cache writes >= input', (entry) => {
    const { prices } = entry;
    for (const rates of [prices, ...(prices.long_context ? [prices.long_context] : [])]) {
      expect(rates.output ?? 0).toBeGreaterThanOrEqual(0);
      expect(rates.cached_input ?? rates.input).toBeLessThanOrEqual(rates.input);
      expect(rates.cache_write ?? rates.input).toBeGreaterThanOrEqual(rates.input);
    }
  });

  it.each(entries)('$provider $model: only embedding models go without an output price', (entry) => {
    if (entry.prices.output === undefined) expect(label(entry)).toMatch(/embed/);
    else expect(entry.prices.output).toBeGreaterThan(0);
  });

  it.each(entries.filter((entry) => entry.prices.long_context))(
    '$provider $model: the long-context tier costs more',
    (entry) => {
      const { prices } = entry;
      const long = prices.long_context!;
      expect(long.above_input_tokens).toBeGreaterThanOrEqual(100_000);
      expect(long.input).toBeGreaterThan(prices.input);
      expect(long.output ?? prices.output ?? 0).toBeGreaterThanOrEqual(prices.output ?? 0);
    },
  );

  it.each(entries)(
    '$provider $model: prices have at most 6 decimals, so they are exact in micro-dollars',
    (entry) => {
      const { prices } = entry;
      const rateFields = ['input', 'output', 'cached_input', 'cache_write'] as const;
      const values = [prices, prices.long_context ?? { input: 0 }].flatMap((rates) =>
        rateFields.map((field) => rates[field] ?? 0),
      );
      for (const value of values) expect(Math.abs(value * 1e6 - Math.round(value * 1e6))).toBeLessThan(1e-6);
    },
  );

  it.each(entries)('$provider $model is priced under its own entry', (entry) => {
    expect(pricer.lookup(entry.provider, entry.model)?.model).toBe(entry.model);
  });

  it('prices every model the test suite runs against', () => {
    const used: [provider: string, model: string][] = [
      ['openai', 'gpt-4o-mini'],
      ['openai', 'gpt-4o'],
      ['openai', 'text-embedding-3-small'],
      ['anthropic', 'claude-sonnet-4-5'],
      ['anthropic', 'claude-sonnet-4-6'],
      ['anthropic', 'claude-haiku-4-5'],
      ['mistral', 'mistral-small-latest'],
      ['mistral', 'mistral-embed'],
      ['vertex', 'gemini-2.5-flash'],
      ['vertex', 'publishers/google/models/gemini-2.5-flash'],
      ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
    ];
    for (const [provider, model] of used)
      expect(pricer.lookup(provider, model), `${provider}/${model}`).not.toBeNull();
  });

  it('leaves models priced per character or page unpriced', () => {
    expect(pricer.lookup('vertex', 'text-embedding-005')).toBeNull();
    expect(pricer.lookup('vertex', 'publishers/google/models/text-embedding-005')).toBeNull();
    expect(pricer.lookup('mistral', 'mistral-ocr-latest')).toBeNull();
  });

  it('prices the first GPT-4o snapshot at its own rate, not as gpt-4o', () => {
    expect(pricer.lookup('openai', 'gpt-4o-2024-05-13')?.prices).toMatchObject({ input: 5, output: 15 });
    expect(pricer.lookup('openai', 'gpt-4o-2024-08-06')?.model).toBe('gpt-4o');
  });
});
