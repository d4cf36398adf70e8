import { ConfigError } from '@tranche/config';
import { describe, expect, it } from 'vitest';
import { loadWorkerEnv } from '../env';
import { chunkCaps, QuotaBook } from './quota-book';

const base = { DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost' };
const bookOf = (env: Record<string, string>) => new QuotaBook(loadWorkerEnv({ ...base, ...env }));

describe('QuotaBook', () => {
  it('has no budget when nothing is configured', () => {
    expect(bookOf({}).budgetsFor('openai', 'gpt-4o-mini')).toEqual([]);
    expect(chunkCaps(bookOf({}).budgetsFor('openai', 'gpt-4o-mini'))).toEqual({});
  });

  it("takes a model's own budget, a default for every other model, and one shared by all of a provider's models", () => {
    const book = bookOf({
      PROVIDER_QUOTAS: JSON.stringify({
        'openai/gpt-4o-mini': { tokens: 2_000_000 },
        'openai/*': { tokens: 90_000, batches: 10 },
        anthropic: { requests: 100_000 },
      }),
    });

    expect(book.budgetsFor('openai', 'gpt-4o-mini-2024-07-18')).toEqual([
      { scope: 'model', unit: 'tokens', limit: 2_000_000, source: 'PROVIDER_QUOTAS openai/gpt-4o-mini' },
      { scope: 'model', unit: 'batches', limit: 10, source: 'PROVIDER_QUOTAS openai/*' },
    ]);
    expect(book.budgetsFor('openai', 'gpt-4o')).toEqual([
      { scope: 'model', unit: 'tokens', limit: 90_000, source: 'PROVIDER_QUOTAS openai/*' },
      { scope: 'model', unit: 'batches', limit: 10, source: 'PROVIDER_QUOTAS openai/*' },
    ]);
    expect(book.budgetsFor('anthropic', 'claude-sonnet-4-5')).toEqual([
      { scope: 'provider', unit: 'requests', limit: 100_000, source: 'PROVIDER_QUOTAS anthropic' },
    ]);
    expect(book.budgetsFor('mistral', 'mistral-small-latest')).toEqual([]);
  });

  it('uses the published limits of the usage tier the operator names, under what PROVIDER_QUOTAS says', () => {
    const book = bookOf({
      OPENAI_USAGE_TIER: '2',
      ANTHROPIC_USAGE_TIER: '1',
      PROVIDER_QUOTAS: JSON.stringify({ 'openai/gpt-4o': { tokens: 5_000_000 }, 'openai/*': { tokens: 1 } }),
    });

    expect(book.budgetsFor('openai', 'gpt-4o-mini')).toEqual([
      { scope: 'model', unit: 'tokens', limit: 20_000_000, source: 'OpenAI tier 2 gpt-4o-mini' },
    ]);
    expect(book.budgetsFor('openai', 'ft:gpt-4o-mini:acme::abc')[0]?.limit).toBe(20_000_000);
    expect(book.budgetsFor('openai', 'gpt-4o')[0]?.limit).toBe(5_000_000);
    // A model the tier table does not list falls back to the operator's default.
    expect(book.budgetsFor('openai', 'o3')[0]).toMatchObject({
      limit: 1,
      source: 'PROVIDER_QUOTAS openai/*',
    });
    expect(book.budgetsFor('anthropic', 'claude-haiku-4-5')).toEqual([
      { scope: 'provider', unit: 'requests', limit: 100_000, source: 'Anthropic tier 1' },
    ]);
  });

  it("budgets each Gemini model at its tier's published enqueued tokens, a preview or version as its model", () => {
    // The Gemini API rate limits page, "Batch API rate limits", Tier 1 / 2 / 3 (read 2026-12-07).
    const published: Record<string, [number, number, number]> = {
      'gemini-3-pro-preview': [50_000_000, 500_000_000, 1_000_000_000],
      'gemini-3-flash-preview': [3_000_000, 400_000_000, 500_000_000],
      'gemini-2.5-pro': [5_000_000, 500_000_000, 1_000_000_000],
      'gemini-2.5-flash': [3_000_000, 400_000_000, 1_000_000_000],
      'gemini-2.5-flash-lite': [10_000_000, 500_000_000, 1_000_000_000],
      'gemini-2.0-flash': [10_000_000, 1_000_000_000, 5_000_000_000],
      'gemini-2.0-flash-lite': [10_000_000, 1_000_000_000, 5_000_000_000],
    };
    for (const tier of [1, 2, 3] as const) {
      const book = bookOf({ GEMINI_USAGE_TIER: String(tier) });
      for (const [model, limits] of Object.entries(published)) {
        expect(book.budgetsFor('gemini', model), `${model}, tier ${tier}`).toEqual([
          {
            scope: 'model',
            unit: 'tokens',
            limit: limits[tier - 1],
            source: `Gemini API tier ${tier} ${model}`,
          },
        ]);
      }
    }

    const book = bookOf({ GEMINI_USAGE_TIER: '1' });
    const family = (model: string) =>
      book.budgetsFor('gemini', model)[0]?.source.replace('Gemini API tier 1 ', '');
    expect(family('gemini-2.5-flash-preview-09-2025')).toBe('gemini-2.5-flash');
    expect(family('gemini-2.5-flash-lite-preview-09-2025')).toBe('gemini-2.5-flash-lite');
    expect(family('gemini-2.5-flash-lite-preview-06-17')).toBe('gemini-2.5-flash-lite');
    expect(family('gemini-2.0-flash-001')).toBe('gemini-2.0-flash');
    expect(family('gemini-2.0-flash-lite-001')).toBe('gemini-2.0-flash-lite');
    // The API takes a model by its resource name as well as by its id.
    expect(family('models/gemini-2.5-flash-lite')).toBe('gemini-2.5-flash-lite');
    expect(book.budgetsFor('gemini', 'models/gemini-2.5-flash')[0]?.limit).toBe(3_000_000);
    // Other models of a family's name, and models the page does not list, have no published budget.
    expect(book.budgetsFor('gemini', 'gemini-2.5-flash-preview-tts')).toEqual([]);
    expect(book.budgetsFor('gemini', 'gemini-2.5-flash-image-preview')).toEqual([]);
    expect(book.budgetsFor('gemini', 'gemini-embedding-001')).toEqual([]);
    // The Gemini tier budgets Gemini API models only.
    expect(book.budgetsFor('vertex', 'gemini-2.5-flash')).toEqual([]);
  });

  it("puts the operator's PROVIDER_QUOTAS over the Gemini tier's figures, and refuses a tier the page does not list", () => {
    const book = bookOf({
      GEMINI_USAGE_TIER: '2',
      PROVIDER_QUOTAS: JSON.stringify({
        'gemini/gemini-2.5-flash': { tokens: 1_000_000 },
        gemini: { batches: 100 },
      }),
    });
    expect(book.budgetsFor('gemini', 'gemini-2.5-flash')).toEqual([
      { scope: 'model', unit: 'tokens', limit: 1_000_000, source: 'PROVIDER_QUOTAS gemini/gemini-2.5-flash' },
      { scope: 'provider', unit: 'batches', limit: 100, source: 'PROVIDER_QUOTAS gemini' },
    ]);
    expect(book.budgetsFor('gemini', 'gemini-2.5-flash-lite')).toEqual([
      {
        scope: 'model',
        unit: 'tokens',
        limit: 500_000_000,
        source: 'Gemini API tier 2 gemini-2.5-flash-lite',
      },
      { scope: 'provider', unit: 'batches', limit: 100, source: 'PROVIDER_QUOTAS gemini' },
    ]);

    for (const tier of ['0', '4', 'two']) {
      expect(() => bookOf({ GEMINI_USAGE_TIER: tier }), tier).toThrow(ConfigError);
      expect(() => bookOf({ GEMINI_USAGE_TIER: tier }), tier).toThrow(/GEMINI_USAGE_TIER/);
    }
  });

  it('gives a model the longest listed name it is, or is a version of, whatever the order of the list', () => {
    const book = bookOf({
      PROVIDER_QUOTAS: JSON.stringify({
        'gemini/gemini-3-pro': { tokens: 1 },
        'gemini/gemini-3-pro-preview': { tokens: 2 },
        'gemini/gemini-2.5-flash': { tokens: 3 },
        'gemini/gemini-2.5-flash-lite': { tokens: 4 },
        'openai/gpt-4o-mini': { tokens: 5 },
        'openai/gpt-4o-mini-2024-07-18': { tokens: 6 },
        'openai/gpt-4-turbo': { tokens: 7 },
      }),
    });
    const limit = (provider: string, model: string) => book.budgetsFor(provider, model)[0]?.limit;

    expect(limit('gemini', 'gemini-3-pro-preview')).toBe(2);
    expect(limit('gemini', 'gemini-3-pro-preview-11-2025')).toBe(2);
    expect(limit('gemini', 'gemini-3-pro-001')).toBe(1);
    expect(limit('gemini', 'gemini-2.5-flash-lite')).toBe(4);
    expect(limit('gemini', 'gemini-2.5-flash-lite-preview-09-2025')).toBe(4);
    expect(limit('gemini', 'gemini-2.5-flash-preview-09-2025')).toBe(3);
    expect(limit('openai', 'gpt-4o-mini-2024-07-18')).toBe(6);
    expect(limit('openai', 'gpt-4o-mini')).toBe(5);
    expect(limit('openai', 'gpt-4-turbo-preview')).toBe(7);
    // A word that names another model is not a version: `gpt-4o-mini-tts` has no entry here.
    expect(limit('openai', 'gpt-4o-mini-tts')).toBeUndefined();
  });

  it('caps a chunk at the tightest token and request budget that applies to it', () => {
    const book = bookOf({
      PROVIDER_QUOTAS: JSON.stringify({
        'openai/gpt-4o-mini': { tokens: 500, requests: 40 },
        openai: { tokens: 300 },
      }),
    });

    expect(chunkCaps(book.budgetsFor('openai', 'gpt-4o-mini'))).toEqual({ maxTokens: 300, maxRequests: 40 });
  });

  it('refuses a malformed PROVIDER_QUOTAS, naming what is wrong', () => {
    const problems = (value: string) => {
      try {
        bookOf({ PROVIDER_QUOTAS: value });
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      }
      return 'accepted';
    };
    expect(problems('{tokens')).toMatch(/PROVIDER_QUOTAS: not JSON/);
    expect(problems('{"cohere": {"tokens": 1}}')).toMatch(/PROVIDER_QUOTAS\.cohere: a key is a provider/);
    expect(problems('{"openai": {"tokens": 0}}')).toMatch(/PROVIDER_QUOTAS\.openai\.tokens/);
    expect(problems('{"openai": {}}')).toMatch(/PROVIDER_QUOTAS\.openai: set tokens, requests or batches/);
    expect(problems('{"openai": {"tokenz": 5}}')).toMatch(/PROVIDER_QUOTAS\.openai/);
  });
});
