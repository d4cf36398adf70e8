import { ConfigError } from '@tranche/config';
import { loadPriceTable, PriceTableError } from './price-table';
import { type BilledTokens, type Cost, Pricer } from './pricer';

/**
 * The built-in price table with the operator's PRICES_FILE over it, the same in the API and the workers. A bad file
 * is a configuration error, reported at start.
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

/** Prices a job's results at its provider and model (`PricingFor` of @tranche/db). */
export function pricingOf(
  pricer: Pricer,
): (job: { provider: string; model: string }) => (tokens: BilledTokens) => Cost | null {
  return (job) => (tokens) => pricer.price(job.provider, job.model, tokens);
}
