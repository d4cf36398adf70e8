import { decimalToPico } from '@tranche/pricing';
import type { HandPrices } from './targets';

/** A result line's usage, as `GET /v1/jobs/:id/results` gives it. */
export interface LineUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
}

/** Picodollars per token at a price in USD per million tokens (exact: list prices have at most 6 decimals). */
const perToken = (usdPerMillion: string) => decimalToPico(usdPerMillion) / 1_000_000n;

/** Half, rounded half up to the picodollar. */
const half = (pico: bigint) => (pico + 1n) / 2n;

/**
 * A result's cost worked out the way a provider's invoice does: prompt tokens read from a cache at the cached rate,
 * written to one at the cache-write rate, the rest at the input rate; output at the output rate; a batch costs half,
 * except cached tokens where the discount does not stack. In picodollars.
 */
export function handCost(prices: HandPrices, usage: LineUsage): { batch: bigint; sync: bigint } {
  const cached = BigInt(usage.cached_tokens);
  const writes = BigInt(usage.cache_write_tokens);
  const uncached = BigInt(usage.input_tokens) - cached - writes;
  const discounted =
    uncached * perToken(prices.input) +
    writes * perToken(prices.cacheWrite ?? prices.input) +
    BigInt(usage.output_tokens) * perToken(prices.output);
  const cachedCost = cached * perToken(prices.cachedInput ?? prices.input);
  const sync = discounted + cachedCost;
  const batch = prices.noBatchDiscountOnCached ? half(discounted) + cachedCost : half(sync);
  return { batch, sync };
}
