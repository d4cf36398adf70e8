import { ConfigError } from '@tranche/config';
import type { PricingFor } from '@tranche/db';
import { loadPriceTable, Pricer, PriceTableError } from '@tranche/pricing';

/**
 * The built-in price table with the operator's PRICES_FILE over it, the same the workers use. A bad file is a
 * configuration error, reported at start.
 */
export function loadPricer(
  pricesFile: string | undefined,
  onUnpriced?: (provider: string, model: string) => void,
): Pricer {
  try {
    return new Pricer(loadPriceTable(pricesFile), onUnpriced);
  } catch (error) {
    if (error instanceof PriceTableError) throw new ConfigError([error.message]);
    throw error;
  }
}

/** Results the producer writes (a cancel fails what was never sent) are priced like the workers' results. */
export function pricingOf(pricer: Pricer): PricingFor {
  return (job) => (tokens) => pricer.price(job.provider, job.model, tokens);
}
