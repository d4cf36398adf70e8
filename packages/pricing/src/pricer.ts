import { picoToDecimal, scaledPico, toMicro, toPpm } from './decimal';
import type { ModelPrices, PricedProvider, PriceTable, ProviderPrices, Rates } from './price-table';

/** Tokens as billed: `inputTokens` is the whole prompt, cache reads and writes included. */
export interface BilledTokens {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  /**
   * The prompt of one request, which decides a long-context tier; defaults to `inputTokens`. Tokens summed over
   * several attempts of a 150k-token prompt must not be billed at the rates of a 300k-token one.
   */
  requestInputTokens?: number;
}

export interface Cost {
  /** At batch rates, in USD with 12 decimals. */
  costUsd: string;
  /** What the same tokens would have cost through the synchronous API. */
  syncCostUsd: string;
  priceVersion: string;
}

export interface ModelPrice {
  provider: PricedProvider;
  /** The table's key the model matched (a dated or prefixed name matches its base name). */
  model: string;
  prices: ModelPrices;
  settings: ProviderPrices;
}

// `publishers/google/models/gemini-2.5-flash`, `models/…`: the base name is what the price table lists.
const PATH_PREFIX = /^(?:projects\/[^/]+\/locations\/[^/]+\/)?(?:publishers\/[^/]+\/)?models\//;
// Snapshots: `gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`, `claude-haiku-4-5@20251001`, `mistral-large-2411`.
const SNAPSHOT_SUFFIX = /(?:-\d{4}-\d{2}-\d{2}|[-@]\d{8}|-\d{4})$/;

function candidates(model: string): string[] {
  const bare = model.trim().replace(PATH_PREFIX, '');
  const undated = bare.replace(SNAPSHOT_SUFFIX, '');
  return [...new Set([model, bare, undated])];
}

// A long-context tier replaces the rates it lists; a rate it leaves out keeps its normal value, so a tier that
// names only `input` never bills output at zero.
function ratesFor(prices: ModelPrices, inputTokens: number): Rates {
  const { long_context: long, note: _note, batch_discount: _discount, ...normal } = prices;
  if (!long || inputTokens <= long.above_input_tokens) return normal;
  const { above_input_tokens: _threshold, ...longRates } = long;
  return { ...normal, ...longRates };
}

// Tables are plain objects: `constructor` or `toString` must not resolve to `Object.prototype` members.
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

const ppmOne = 1_000_000n;

/** The fraction a batch takes off a model's price: the model's own discount, else its provider's. */
export function batchDiscountOf({ prices, settings }: Pick<ModelPrice, 'prices' | 'settings'>): number {
  return prices.batch_discount ?? settings.batch_discount;
}

export class Pricer {
  private readonly warned = new Set<string>();

  constructor(
    readonly table: PriceTable,
    /** Called once per provider and model that has no price, so the gap shows without flooding the log. */
    private readonly onUnpriced: (provider: string, model: string) => void = () => {},
  ) {}

  get version(): string {
    return this.table.version;
  }

  lookup(provider: string, model: string): ModelPrice | null {
    const settings = own(this.table.providers, provider);
    if (!settings) return null;
    for (const name of candidates(model)) {
      const prices = own(settings.models, name);
      if (prices) return { provider: provider as PricedProvider, model: name, prices, settings };
    }
    return null;
  }

  /** Cost of one result's tokens; null (and a warning, once per model) when the model has no price. */
  price(provider: string, model: string, tokens: BilledTokens): Cost | null {
    const found = this.lookup(provider, model);
    if (!found) {
      const key = `${provider}/${model}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.onUnpriced(provider, model);
      }
      return null;
    }
    return this.priceWith(found, tokens);
  }

  priceWith({ prices, settings }: ModelPrice, tokens: BilledTokens): Cost {
    const rates = ratesFor(prices, tokens.requestInputTokens ?? tokens.inputTokens);
    const cached = BigInt(Math.max(0, tokens.cachedTokens));
    const cacheWrite = BigInt(Math.max(0, tokens.cacheWriteTokens));
    const uncached = BigInt(Math.max(0, tokens.inputTokens - tokens.cachedTokens - tokens.cacheWriteTokens));
    const output = BigInt(Math.max(0, tokens.outputTokens));
    // tokens × micro-dollars per million tokens = picodollars.
    const inputPico = uncached * toMicro(rates.input);
    const cachedPico = cached * toMicro(rates.cached_input ?? rates.input);
    const writePico = cacheWrite * toMicro(rates.cache_write ?? rates.input);
    const outputPico = output * toMicro(rates.output ?? 0);
    const batchFactor = ppmOne - toPpm(batchDiscountOf({ prices, settings }));
    const cachedFactor = settings.batch_discount_applies_to_cached_input ? batchFactor : ppmOne;
    const sync = inputPico + cachedPico + writePico + outputPico;
    const batch = scaledPico((inputPico + writePico + outputPico) * batchFactor + cachedPico * cachedFactor);
    return {
      costUsd: picoToDecimal(batch),
      syncCostUsd: picoToDecimal(sync),
      priceVersion: this.table.version,
    };
  }
}
