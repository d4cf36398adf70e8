import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROVIDERS, type Provider } from '@tranche/contracts';
import { z } from 'zod';

/** Every provider has a block in the table (a new one may start with no models). */
export type PricedProvider = Provider;

const dollarsPerMillion = z.number().finite().min(0);

const ratesSchema = z.strictObject({
  /** Uncached prompt tokens. */
  input: dollarsPerMillion,
  /** Generated tokens, reasoning included. Omitted for embedding models. */
  output: dollarsPerMillion.optional(),
  /** Prompt tokens read from a cache (Anthropic: cache hits). Omitted: billed as `input`. */
  cached_input: dollarsPerMillion.optional(),
  /** Prompt tokens written to a cache (Anthropic, 5-minute cache). Omitted: billed as `input`. */
  cache_write: dollarsPerMillion.optional(),
});
export type Rates = z.infer<typeof ratesSchema>;

const modelSchema = ratesSchema.extend({
  /** Rates for the whole request once its prompt is longer than `above_input_tokens` (long-context pricing). */
  long_context: ratesSchema.extend({ above_input_tokens: z.number().int().positive() }).optional(),
  /**
   * This model's batch discount, where it differs from its provider's `batch_discount` (Together AI discounts only
   * the models it lists: its block says 0, and each listed model 0.5). Omitted: the provider's.
   */
  batch_discount: z.number().min(0).max(1).optional(),
  note: z.string().optional(),
});
export type ModelPrices = z.infer<typeof modelSchema>;

const providerSchema = z.strictObject({
  /** Fraction taken off synchronous prices for batch requests (0.5: half price). */
  batch_discount: z.number().min(0).max(1),
  /**
   * Whether the batch discount also applies to cached input. Gemini on Vertex: no, the cache discount takes
   * precedence and cached tokens are billed at the cached rate with no batch discount.
   */
  batch_discount_applies_to_cached_input: z.boolean().default(true),
  source: z.string().optional(),
  models: z.record(z.string().min(1), modelSchema),
});

export const priceTableSchema = z.strictObject({
  $comment: z.string().optional(),
  version: z.string().min(1),
  date: z.iso.date(),
  currency: z.literal('USD'),
  unit: z.literal('per_million_tokens'),
  providers: z.record(z.enum(PROVIDERS), providerSchema),
});
export type PriceTable = z.infer<typeof priceTableSchema>;
export type ProviderPrices = PriceTable['providers'][PricedProvider];

/** What an operator's `PRICES_FILE` may hold: its own version, and any providers' settings or models to add. */
export const priceOverridesSchema = z.strictObject({
  $comment: z.string().optional(),
  version: z.string().min(1),
  date: z.iso.date().optional(),
  providers: z.partialRecord(
    z.enum(PROVIDERS),
    z.strictObject({
      batch_discount: z.number().min(0).max(1).optional(),
      batch_discount_applies_to_cached_input: z.boolean().optional(),
      source: z.string().optional(),
      models: z.record(z.string().min(1), modelSchema).default({}),
    }),
  ),
});
export type PriceOverrides = z.infer<typeof priceOverridesSchema>;

export class PriceTableError extends Error {
  override name = 'PriceTableError';
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function parsePriceTable(raw: unknown, origin: string): PriceTable {
  const parsed = priceTableSchema.safeParse(raw);
  if (!parsed.success) throw new PriceTableError(`${origin}: ${describe(parsed.error)}`);
  return parsed.data;
}

/** The operator's entries win, model by model; the version says both tables were used. */
export function mergePriceTables(base: PriceTable, overrides: PriceOverrides): PriceTable {
  const providers = { ...base.providers };
  for (const [name, override] of Object.entries(overrides.providers) as [
    PricedProvider,
    PriceOverrides['providers'][PricedProvider],
  ][]) {
    const current = providers[name];
    if (!override) continue;
    const { models, ...settings } = override;
    if (!current && settings.batch_discount === undefined)
      throw new PriceTableError(
        `PRICES_FILE: providers.${name}.batch_discount is required for a new provider`,
      );
    providers[name] = {
      ...current,
      ...settings,
      models: { ...current?.models, ...models },
    } as ProviderPrices;
  }
  return {
    ...base,
    version: `${base.version}+${overrides.version}`,
    date: overrides.date ?? base.date,
    providers,
  };
}

function readJson(file: string, origin: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PriceTableError(`${origin}: cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PriceTableError(`${origin}: ${file} is not JSON: ${(error as Error).message}`);
  }
}

const BUILT_IN = new URL('../prices.json', import.meta.url);

/** The table shipped in the repository, with the operator's `PRICES_FILE` over it when one is given. */
export function loadPriceTable(pricesFile?: string): PriceTable {
  const base = parsePriceTable(readJson(fileURLToPath(BUILT_IN), 'prices.json'), 'prices.json');
  if (!pricesFile) return base;
  const parsed = priceOverridesSchema.safeParse(readJson(pricesFile, 'PRICES_FILE'));
  if (!parsed.success) throw new PriceTableError(`PRICES_FILE (${pricesFile}): ${describe(parsed.error)}`);
  return mergePriceTables(base, parsed.data);
}
