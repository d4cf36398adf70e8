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
