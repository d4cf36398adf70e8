import type { InFlightQuota } from '../descriptor';

/** Anthropic's Message Batches: requests in the processing queue, shared by all models (tiers 1 to 4). */
export const ANTHROPIC_QUEUED_REQUESTS = {
  tierVariable: 'ANTHROPIC_USAGE_TIER',
  unit: 'requests',
  figures: { scope: 'provider', byTier: [100_000, 200_000, 300_000, 500_000] },
} as const satisfies InFlightQuota;
