import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDERS } from '@tranche/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPriceTable, PriceTableError, parsePriceTable } from './price-table';
import { Pricer } from './pricer';

const dir = mkdtempSync(join(tmpdir(), 'tranche-prices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function pricesFile(content: unknown): string {
  const file = join(dir, `prices-${++files}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function loadError(content: unknown): string {
  const file = pricesFile(content);
  try {
    loadPriceTable(file);
  } catch (error) {
    expect(error).toBeInstanceOf(PriceTableError);
    return (error as Error).message;
  }
  throw new Error(`PRICES_FILE ${JSON.stringify(content)} was accepted`);
}

const tokens = { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedTokens: 0, cacheWriteTokens: 0 };
const base = loadPriceTable();

describe('loadPriceTable without PRICES_FILE', () => {
  it('is the shipped table, with its own version', () => {
    expect(base.version).toBe('2026-11-27');
    expect(base.date).toBe('2026-11-27');
    expect(Object.keys(base.providers).sort()).toEqual([...PROVIDERS].sort());
  });
});

describe('PRICES_FILE', () => {
  const overrides = {
    $comment: 'ACME negotiated rates',
    version: 'acme-7',
    providers: {
      openai: { models: { 'gpt-4o': { input: 2, output: 8, cached_input: 1 } } },
      vertex: { models: { 'gemini-acme-tuned': { input: 1, output: 4, cached_input: 0.1 } } },
    },
  };
  const merged = loadPriceTable(pricesFile(overrides));

  it('overrides one model’s price and adds a model, nothing else', () => {
    expect(merged.providers.openai.models['gpt-4o']).toEqual({ input: 2, output: 8, cached_input: 1 });
    expect(merged.providers.vertex.models['gemini-acme-tuned']).toEqual({
      input: 1,
      output: 4,
      cached_input: 0.1,
    });

    const { 'gpt-4o': _overridden, ...otherOpenai } = merged.providers.openai.models;
    const { 'gpt-4o': _original, ...baseOpenai } = base.providers.openai.models;
    expect(otherOpenai).toEqual(baseOpenai);
    const { 'gemini-acme-tuned': _added, ...otherVertex } = merged.providers.vertex.models;
    expect(otherVertex).toEqual(base.providers.vertex.models);
    expect(merged.providers.anthropic).toEqual(base.providers.anthropic);
    expect(merged.providers.mistral).toEqual(base.providers.mistral);
  });

  it('keeps each provider’s batch settings when the operator only adds models', () => {
    for (const name of ['openai', 'vertex'] as const) {
      const { models: _merged, ...settings } = merged.providers[name];
      const { models: _base, ...baseSettings } = base.providers[name];
      expect(settings).toEqual(baseSettings);
    }
    expect(merged.providers.vertex.batch_discount_applies_to_cached_input).toBe(false);
    expect(merged.providers.openai.batch_discount_applies_to_cached_input).toBe(true);
  });

  it('prices the operator’s Vertex model without stacking the batch and cache discounts', () => {
    // 600,000 × $1 + 400,000 × $0.10 cached + 1,000,000 × $4 sync = 4.64; batch (0.6 + 4) / 2 + 0.04.
    const cost = new Pricer(merged).price('vertex', 'gemini-acme-tuned', {
      ...tokens,
      cachedTokens: 400_000,
    });
    expect(cost).toEqual({
      costUsd: '2.340000000000',
      syncCostUsd: '4.640000000000',
      priceVersion: '2026-11-27+acme-7',
    });
  });

  it('says in the version that both tables were used', () => {
    expect(merged.version).toBe('2026-11-27+acme-7');
    expect(new Pricer(merged).price('openai', 'gpt-4o', tokens)).toEqual({
      costUsd: '5.000000000000',
      syncCostUsd: '10.000000000000',
      priceVersion: '2026-11-27+acme-7',
    });
    // Models the operator did not touch carry the merged version too: one table priced the result.
    expect(new Pricer(merged).price('anthropic', 'claude-haiku-4-5', tokens)?.priceVersion).toBe(
      '2026-11-27+acme-7',
    );
  });

  it('keeps the shipped date unless the operator gives one', () => {
    expect(merged.date).toBe(base.date);
    const dated = loadPriceTable(pricesFile({ ...overrides, date: '2026-12-01' }));
    expect(dated.date).toBe('2026-12-01');
  });

  it('may change a provider’s batch settings', () => {
    const changed = loadPriceTable(
      pricesFile({ version: 'x', providers: { mistral: { batch_discount: 0.4 } } }),
    );
    expect(changed.providers.mistral.batch_discount).toBe(0.4);
    expect(changed.providers.mistral.models).toEqual(base.providers.mistral.models);
    expect(changed.providers.mistral.batch_discount_applies_to_cached_input).toBe(true);
  });

  it('may give one model a batch discount of its own (a Together model newly on its discounted list)', () => {
    const changed = loadPriceTable(
      pricesFile({
        version: 'x',
        providers: { together: { models: { 'acme/model': { input: 1, output: 2, batch_discount: 0.5 } } } },
      }),
    );
    expect(changed.providers.together.batch_discount).toBe(0);
    expect(changed.providers.together.models['acme/model']?.batch_discount).toBe(0.5);
    expect(() =>
      loadPriceTable(
        pricesFile({
          version: 'x',
          providers: { together: { models: { m: { input: 1, batch_discount: 2 } } } },
        }),
      ),
    ).toThrow(/providers\.together\.models\.m\.batch_discount/);
  });

  it('does not change the shipped table it was merged over', () => {
    expect(loadPriceTable()).toEqual(base);
    expect(base.providers.vertex.models['gemini-acme-tuned']).toBeUndefined();
  });
});

describe('a bad PRICES_FILE is refused with the field that is wrong', () => {
  it('names a price of the wrong type by its path', () => {
    const message = loadError({
      version: 'v',
      providers: { openai: { models: { 'gpt-4o': { input: '2.5', output: 10 } } } },
    });
    expect(message).toContain('PRICES_FILE');
    expect(message).toContain('providers.openai.models.gpt-4o.input');
  });

  it('names a negative price', () => {
    const message = loadError({
      version: 'v',
      providers: { mistral: { models: { m: { input: 1, output: -1 } } } },
    });
    expect(message).toContain('providers.mistral.models.m.output');
  });

  it('names a misspelt field', () => {
    const message = loadError({
      version: 'v',
      providers: { openai: { models: { m: { input: 1, ouptut: 2 } } } },
    });
    expect(message).toContain('providers.openai.models.m');
    expect(message).toContain('ouptut');
  });

  it('names a long-context tier without its threshold', () => {
    const message = loadError({
      version: 'v',
      providers: { vertex: { models: { m: { input: 1, output: 2, long_context: { input: 2 } } } } },
    });
    expect(message).toContain('providers.vertex.models.m.long_context.above_input_tokens');
  });

  it('names an unknown provider', () => {
    const message = loadError({ version: 'v', providers: { cohere: { models: {} } } });
    expect(message).toContain('providers');
    expect(message).toContain('cohere');
  });

  it('names a batch discount above 1', () => {
    expect(loadError({ version: 'v', providers: { openai: { batch_discount: 50 } } })).toContain(
      'providers.openai.batch_discount',
    );
  });

  it('requires its own version', () => {
    expect(loadError({ providers: {} })).toContain('version');
  });

  it('names a date that is not a date', () => {
    expect(loadError({ version: 'v', date: '27/11/2026', providers: {} })).toContain('date');
  });

  it('says when the file is not JSON', () => {
    const message = loadError('{ "version": "v", ');
    expect(message).toContain('PRICES_FILE');
    expect(message).toContain('is not JSON');
  });

  it('says when the file cannot be read', () => {
    expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(
      /PRICES_FILE: cannot read .*missing\.json/,
    );
  });
});

describe('parsePriceTable', () => {
  it('names what is wrong with a whole table', () => {
    expect(() =>
      parsePriceTable({ ...base, providers: { ...base.providers, openai: { models: {} } } }, 'prices.json'),
    ).toThrow(/prices\.json: providers\.openai\.batch_discount/);
    expect(() => parsePriceTable({ ...base, currency: 'EUR' }, 'prices.json')).toThrow(/currency/);
  });

  it('treats a provider without the no-stacking flag as stacking', () => {
    const { batch_discount_applies_to_cached_input: _flag, ...openai } = base.providers.openai;
    const table = parsePriceTable({ ...base, providers: { ...base.providers, openai } }, 'test');
    expect(table.providers.openai.batch_discount_applies_to_cached_input).toBe(true);
  });

  it('requires every provider, so a provider cannot silently lose all its prices', () => {
    const { mistral: _mistral, ...three } = base.providers;
    expect(() => parsePriceTable({ ...base, providers: three }, 'prices.json')).toThrow(/providers\.mistral/);
  });
});
