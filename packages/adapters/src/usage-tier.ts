import { z } from 'zod';
import type { InFlightQuota } from './descriptor';

/** How many usage tiers a provider publishes figures for. */
export function tierCount(quota: InFlightQuota): number {
  const lists =
    quota.figures.scope === 'provider' ? [quota.figures.byTier] : Object.values(quota.figures.byFamily);
  return Math.max(...lists.map((list) => list.length));
}

/** The variable naming the operator's usage tier: 1 to the last tier the figures cover. */
export function usageTierSchema(quota: InFlightQuota) {
  return z.coerce.number().int().min(1).max(tierCount(quota)).optional();
}
