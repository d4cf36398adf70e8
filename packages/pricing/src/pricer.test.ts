import { PROVIDERS } from '@tranche/contracts';
import { describe, expect, it, vi } from 'vitest';
import { type PriceTable, parsePriceTable } from './price-table';
import { type BilledTokens, batchDiscountOf, Pricer } from './pricer';

// A table of its own, so the hand arithmetic below does not move when the shipped prices are updated.
const table: PriceTable = parsePriceTable(
  {
    version: 'test-1',
    date: '2026-11-27',
    currency: 'USD',
    unit: 'per_million_tokens',
    providers: {
      // Every provider needs a block; those the arithmetic below does not use get an empty one.
      ...Object.fromEntries(PROVIDERS.map((provider) => [provider, { batch_discount: 0.5, models: {} }])),
      openai: {
        batch_discount: 0.5,
        batch_discount_applies_to_cached_input: true,
        models: {
          'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 },
          'gpt-4o-mini': { input: 0.15, output: 0.6, cached_input: 0.075 },
          o3: { input: 2, output: 8, cached_input: 0.5 },
          'o3-mini': { input: 1.1, output: 4.4, cached_input: 0.55 },
          'gpt-6.1-sol': {
            input: 2,
            output: 10,
            cached_input: 0.1,
            long_context: { above_input_tokens: 272_000, input: 4, output: 15, cached_input: 0.2 },
          },
          'text-embedding-3-small': { input: 0.02 },
          'one-micro': { input: 0.000001, output: 0.000001 },
        },
      },
      anthropic: {
        batch_discount: 0.5,
        batch_discount_applies_to_cached_input: true,
        models: {
          'claude-sonnet-4-5': {
            input: 3,
            output: 15,
            cached_input: 0.3,
            cache_write: 3.75,
            long_context: {
              above_input_tokens: 200_000,
              input: 6,
              output: 22.5,
              cached_input: 0.6,
              cache_write: 7.5,
            },
          },
          'claude-haiku-4-5': { input: 1, output: 5, cached_input: 0.1, cache_write: 1.25 },
          'input-only-tier': { input: 1, output: 5, long_context: { above_input_tokens: 1_000, input: 2 } },
        },
      },
      mistral: {
        batch_discount: 0.5,
        models: {
          'mistral-small-latest': { input: 0.1, output: 0.3 },
          'mistral-medium': { input: 0.4, output: 2 },
          'mistral-embed': { input: 0.1 },
        },
      },
      vertex: {
        batch_discount: 0.5,
        batch_discount_applies_to_cached_input: false,
        models: {
          'gemini-2.5-flash': { input: 0.3, output: 2.5, cached_input: 0.03 },
          'gemini-2.5-pro': {
            input: 1.25,
            output: 10,
            cached_input: 0.125,
            long_context: { above_input_tokens: 200_000, input: 2.5, output: 15, cached_input: 0.25 },
          },
          'gemini-2.0-flash': { input: 0.15, output: 0.6, cached_input: 0.0375 },
          'gemini-2.0-flash-001': { input: 0.1, output: 0.4 },
        },
      },
      // Together discounts only the models it lists: none by default, half for those that say so.
      together: {
        batch_discount: 0,
        batch_discount_applies_to_cached_input: true,
        models: {
          'meta-llama/Llama-3.3-70B-Instruct-Turbo': { input: 0.88, output: 0.88, batch_discount: 0.5 },
          'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo': { input: 0.18, output: 0.18 },
        },
      },
    },
  },
  'test table',
);

function tokens(partial: Partial<BilledTokens>): BilledTokens {
  return { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, ...partial };
}

const pricer = new Pricer(table);

describe('Pricer.price by hand', () => {
  it('OpenAI: cached input at the cached rate, the batch discount on every part', () => {
    // 6,000 uncached × $2.50 + 4,000 cached × $1.25 + 1,000 out × $10, per million tokens:
    // 0.015 + 0.005 + 0.010 = 0.030 sync; half of it at batch rates.
    const cost = pricer.price(
      'openai',
      'gpt-4o',
      tokens({ inputTokens: 10_000, cachedTokens: 4_000, outputTokens: 1_000 }),
    );
    expect(cost).toEqual({
      costUsd: '0.015000000000',
      syncCostUsd: '0.030000000000',
      priceVersion: 'test-1',
    });
  });

  it('Anthropic: cache writes and cache reads each at their own rate, batch discount stacking on both', () => {
    // The prompt of 10,000 holds 6,000 cache reads and 2,000 cache writes, so 2,000 are plain input.
    // 2,000 × $3 + 2,000 × $3.75 + 6,000 × $0.30 + 500 × $15 = 0.006 + 0.0075 + 0.0018 + 0.0075 = 0.0228.
    const cost = pricer.price(
      'anthropic',
      'claude-sonnet-4-5',
      tokens({ inputTokens: 10_000, cachedTokens: 6_000, cacheWriteTokens: 2_000, outputTokens: 500 }),
    );
    expect(cost).toEqual({
      costUsd: '0.011400000000',
      syncCostUsd: '0.022800000000',
      priceVersion: 'test-1',
    });
  });

  it('Vertex: cached tokens at the cached rate with no batch discount on top', () => {
    // 20,000 × $0.30 + 80,000 × $0.03 + 2,000 × $2.50 = 0.006 + 0.0024 + 0.005 = 0.0134 sync.
    // Batch: (0.006 + 0.005) × 0.5 + 0.0024 = 0.0079 (stacking would have given 0.0067).
    const cost = pricer.price(
      'vertex',
      'gemini-2.5-flash',
      tokens({ inputTokens: 100_000, cachedTokens: 80_000, outputTokens: 2_000 }),
    );
    expect(cost).toEqual({
      costUsd: '0.007900000000',
      syncCostUsd: '0.013400000000',
      priceVersion: 'test-1',
    });
  });

  it('Mistral: plain input and output, half price in batch', () => {
    // 123,457 × $0.10 + 9,876 × $0.30 = 0.0123457 + 0.0029628 = 0.0153085.
    const cost = pricer.price(
      'mistral',
      'mistral-small-latest',
      tokens({ inputTokens: 123_457, outputTokens: 9_876 }),
    );
    expect(cost).toEqual({
      costUsd: '0.007654250000',
      syncCostUsd: '0.015308500000',
      priceVersion: 'test-1',
    });
  });

  it('embeddings: input only, any output tokens are free because the model has no output price', () => {
    // 1,234,567 × $0.02 = 0.02469134.
    const cost = pricer.price(
      'openai',
      'text-embedding-3-small',
      tokens({ inputTokens: 1_234_567, outputTokens: 12 }),
    );
    expect(cost).toEqual({
      costUsd: '0.012345670000',
      syncCostUsd: '0.024691340000',
      priceVersion: 'test-1',
    });
    expect(pricer.price('mistral', 'mistral-embed', tokens({ inputTokens: 10 }))?.syncCostUsd).toBe(
      '0.000001000000',
    );
  });

  it('rounds the batch cost half up to the picodollar', () => {
    // 3 tokens at $0.000001 per million cost 3 picodollars; half of that is 1.5, written as 2.
    const cost = pricer.price('openai', 'one-micro', tokens({ inputTokens: 3 }));
    expect(cost).toEqual({
      costUsd: '0.000000000002',
      syncCostUsd: '0.000000000003',
      priceVersion: 'test-1',
    });
  });

  it('is zero, not null, for a priced model with no tokens', () => {
    expect(pricer.price('anthropic', 'claude-haiku-4-5', tokens({}))).toEqual({
      costUsd: '0.000000000000',
      syncCostUsd: '0.000000000000',
      priceVersion: 'test-1',
    });
  });

  it('never bills a negative uncached part when reported cache tokens exceed the prompt', () => {
    // Only the 10 cache reads (× $0.10) and the output (5 × $5) are billed.
    const cost = pricer.price(
      'anthropic',
      'claude-haiku-4-5',
      tokens({ inputTokens: 8, cachedTokens: 10, outputTokens: 5 }),
    );
    expect(cost?.syncCostUsd).toBe('0.000026000000');
  });
});

describe('a model’s own batch discount', () => {
  it('Together: a listed model pays half in batch, cached tokens included', () => {
    // 10,000 × $0.88 + 1,000 × $0.88 = 0.00968 sync (cached tokens have no rate of their own: billed as input).
    const cost = pricer.price(
      'together',
      'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      tokens({ inputTokens: 10_000, cachedTokens: 4_000, outputTokens: 1_000 }),
    );
    expect(cost).toEqual({
      costUsd: '0.004840000000',
      syncCostUsd: '0.009680000000',
      priceVersion: 'test-1',
    });
  });

  it('Together: a model it does not list pays the standard rate in batch, with no savings', () => {
    // 10,000 × $0.18 + 1,000 × $0.18 = 0.00198, batch or not.
    const cost = pricer.price(
      'together',
      'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo',
      tokens({ inputTokens: 10_000, outputTokens: 1_000 }),
    );
    expect(cost).toEqual({
      costUsd: '0.001980000000',
      syncCostUsd: '0.001980000000',
      priceVersion: 'test-1',
    });
  });

  it('wins over its provider’s in either direction, and keeps the provider’s cached-input rule', () => {
    const gemini = pricer.lookup('vertex', 'gemini-2.5-flash')!;
    const undiscounted = { ...gemini, prices: { ...gemini.prices, batch_discount: 0 } };
    expect(batchDiscountOf(gemini)).toBe(0.5);
    expect(batchDiscountOf(undiscounted)).toBe(0);
    // 20,000 × $0.30 + 80,000 × $0.03 + 2,000 × $2.50 = 0.0134, with no discount anywhere.
    expect(
      pricer.priceWith(
        undiscounted,
        tokens({ inputTokens: 100_000, cachedTokens: 80_000, outputTokens: 2_000 }),
      ),
    ).toMatchObject({ costUsd: '0.013400000000', syncCostUsd: '0.013400000000' });
    // A quarter off everything but cached tokens, which Vertex never discounts in batch:
    // (0.006 + 0.005) × 0.75 + 0.0024 = 0.01065.
    const quarter = { ...gemini, prices: { ...gemini.prices, batch_discount: 0.25 } };
    expect(
      pricer.priceWith(quarter, tokens({ inputTokens: 100_000, cachedTokens: 80_000, outputTokens: 2_000 })),
    ).toMatchObject({ costUsd: '0.010650000000' });
  });
});

describe('long-context tiers', () => {
  it('Gemini: a prompt of exactly the threshold pays the normal rate, one token more the long rate for everything', () => {
    const atThreshold = pricer.price(
      'vertex',
      'gemini-2.5-pro',
      tokens({ inputTokens: 200_000, outputTokens: 1_000 }),
    );
    // 200,000 × $1.25 + 1,000 × $10 = 0.25 + 0.01.
    expect(atThreshold).toMatchObject({ syncCostUsd: '0.260000000000', costUsd: '0.130000000000' });

    const above = pricer.price(
      'vertex',
      'gemini-2.5-pro',
      tokens({ inputTokens: 200_001, outputTokens: 1_000 }),
    );
    // 200,001 × $2.50 + 1,000 × $15 = 0.5000025 + 0.015.
    expect(above).toMatchObject({ syncCostUsd: '0.515002500000', costUsd: '0.257501250000' });
  });

  it('Gemini long tier: cached tokens at the long cached rate, still without batch discount', () => {
    // 100,001 × $2.50 + 100,000 × $0.25 = 0.2500025 + 0.025 sync; batch 0.12500125 + 0.025.
    const cost = pricer.price(
      'vertex',
      'gemini-2.5-pro',
      tokens({ inputTokens: 200_001, cachedTokens: 100_000 }),
    );
    expect(cost).toMatchObject({ syncCostUsd: '0.275002500000', costUsd: '0.150001250000' });
  });

  it('Anthropic 1M context: the prompt counts cache reads and writes, and they switch to the long rates too', () => {
    // 200,001 = 50,001 plain + 100,000 reads + 50,000 writes:
    // 50,001 × $6 + 100,000 × $0.60 + 50,000 × $7.50 = 0.300006 + 0.06 + 0.375.
    const cost = pricer.price(
      'anthropic',
      'claude-sonnet-4-5',
      tokens({ inputTokens: 200_001, cachedTokens: 100_000, cacheWriteTokens: 50_000 }),
    );
    expect(cost).toMatchObject({ syncCostUsd: '0.735006000000', costUsd: '0.367503000000' });
    const atThreshold = pricer.price(
      'anthropic',
      'claude-sonnet-4-5',
      tokens({ inputTokens: 200_000, cachedTokens: 100_000, cacheWriteTokens: 50_000 }),
    );
    // 50,000 × $3 + 100,000 × $0.30 + 50,000 × $3.75 = 0.15 + 0.03 + 0.1875.
    expect(atThreshold?.syncCostUsd).toBe('0.367500000000');
  });

  it('OpenAI above 272K input tokens', () => {
    const at = pricer.price('openai', 'gpt-6.1-sol', tokens({ inputTokens: 272_000, outputTokens: 100 }));
    expect(at?.syncCostUsd).toBe('0.545000000000'); // 0.544 + 0.001
    const above = pricer.price('openai', 'gpt-6.1-sol', tokens({ inputTokens: 272_001, outputTokens: 100 }));
    expect(above?.syncCostUsd).toBe('1.089504000000'); // 1.088004 + 0.0015
  });

  it('a tier that lists only some rates keeps the normal rate for the others (output is never free)', () => {
    // Above 1,000 tokens only input changes, to $2: 1,001 × $2 + 100 × $5 = 0.002002 + 0.0005.
    const cost = pricer.price(
      'anthropic',
      'input-only-tier',
      tokens({ inputTokens: 1_001, outputTokens: 100 }),
    );
    expect(cost?.syncCostUsd).toBe('0.002502000000');
  });

  it("picks the tier from one request's prompt, not from tokens summed over its attempts", () => {
    // Two attempts of a 600-token prompt: 1,200 input tokens billed, each request under the 1,000-token tier.
    const cost = pricer.price(
      'anthropic',
      'input-only-tier',
      tokens({ inputTokens: 1_200, outputTokens: 100, requestInputTokens: 600 }),
    );
    expect(cost?.syncCostUsd).toBe('0.001700000000'); // 1,200 × $1 + 100 × $5
  });
});

describe('model name normalization', () => {
  const resolves: [provider: string, asked: string, key: string][] = [
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'gpt-4o-mini', 'gpt-4o-mini'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai', 'o3-mini', 'o3-mini'],
    ['openai', 'o3-mini-2025-01-31', 'o3-mini'],
    ['openai', 'o3-2025-04-16', 'o3'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic', 'claude-haiku-4-5@20251001', 'claude-haiku-4-5'],
    ['vertex', 'publishers/google/models/gemini-2.5-flash', 'gemini-2.5-flash'],
    [
      'vertex',
      'projects/p-1/locations/us-central1/publishers/google/models/gemini-2.5-flash',
      'gemini-2.5-flash',
    ],
    ['vertex', 'models/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['vertex', 'gemini-2.0-flash-001', 'gemini-2.0-flash-001'],
    ['vertex', 'publishers/google/models/gemini-2.0-flash-001', 'gemini-2.0-flash-001'],
    ['vertex', 'gemini-2.0-flash', 'gemini-2.0-flash'],
    ['mistral', 'mistral-medium-2505', 'mistral-medium'],
  ];
  it.each(resolves)('%s %s is priced as %s', (provider, asked, key) => {
    expect(pricer.lookup(provider, asked)?.model).toBe(key);
  });

  it('prices a snapshot with the rates of the model it resolved to', () => {
    const dated = pricer.price('openai', 'gpt-4o-mini-2024-07-18', tokens({ inputTokens: 1_000_000 }));
    expect(dated?.syncCostUsd).toBe('0.150000000000');
    const ownEntry = pricer.price('vertex', 'gemini-2.0-flash-001', tokens({ inputTokens: 1_000_000 }));
    expect(ownEntry?.syncCostUsd).toBe('0.100000000000');
  });

  const unpriced: [provider: string, asked: string][] = [
    // A dated snapshot of another model is not assumed to be the `-latest` alias.
    ['mistral', 'mistral-small-2506'],
    // A suffix that is not a date or a YYMM version does not fall back to the base model.
    ['vertex', 'gemini-2.0-flash-002'],
    ['openai', 'gpt-4o-mini-high'],
    // The right model under the wrong provider is not priced.
    ['vertex', 'gpt-4o'],
    ['bedrock', 'claude-haiku-4-5'],
    // Names of Object.prototype members are models like any other, and unknown.
    ['openai', 'constructor'],
    ['openai', 'toString'],
    ['openai', '__proto__'],
    ['constructor', 'gpt-4o'],
    ['hasOwnProperty', 'models'],
  ];
  it.each(unpriced)('%s %s is unpriced', (provider, asked) => {
    expect(pricer.lookup(provider, asked)).toBeNull();
    expect(pricer.price(provider, asked, tokens({ inputTokens: 10 }))).toBeNull();
  });
});

describe('unpriced models', () => {
  it('return null and are reported once per provider and model', () => {
    const onUnpriced = vi.fn();
    const watched = new Pricer(table, onUnpriced);
    expect(watched.price('vertex', 'text-embedding-005', tokens({ inputTokens: 5 }))).toBeNull();
    expect(watched.price('vertex', 'text-embedding-005', tokens({ inputTokens: 7 }))).toBeNull();
    expect(watched.price('vertex', 'gemini-9-ultra', tokens({}))).toBeNull();
    expect(watched.price('openai', 'text-embedding-005', tokens({}))).toBeNull();
    expect(watched.price('vertex', 'gemini-9-ultra', tokens({}))).toBeNull();
    expect(onUnpriced.mock.calls).toEqual([
      ['vertex', 'text-embedding-005'],
      ['vertex', 'gemini-9-ultra'],
      ['openai', 'text-embedding-005'],
    ]);
  });

  it('do not stop priced models from being priced', () => {
    const onUnpriced = vi.fn();
    const watched = new Pricer(table, onUnpriced);
    watched.price('vertex', 'text-embedding-005', tokens({}));
    expect(watched.price('vertex', 'gemini-2.5-flash', tokens({ inputTokens: 1_000_000 }))?.syncCostUsd).toBe(
      '0.300000000000',
    );
    expect(onUnpriced).toHaveBeenCalledTimes(1);
  });

  it('work without a callback', () => {
    expect(new Pricer(table).price('mistral', 'unknown', tokens({}))).toBeNull();
  });
});

it('reports the version of the table it prices with', () => {
  expect(pricer.version).toBe('test-1');
});
