import type { InFlightQuota } from '../descriptor';

/**
 * OpenAI's batch queue limit: prompt tokens enqueued per model across all of an organisation's running batches
 * (tiers 1 to 5). A model's dated snapshots (`gpt-4o-mini-2024-07-18`) count as the model.
 */
export const OPENAI_ENQUEUED_TOKENS = {
  tierVariable: 'OPENAI_USAGE_TIER',
  unit: 'tokens',
  figures: {
    scope: 'model',
    byFamily: {
      'gpt-4o': [90_000, 1_350_000, 40_000_000, 80_000_000, 1_800_000_000],
      'gpt-4o-mini': [2_000_000, 20_000_000, 40_000_000, 1_000_000_000, 15_000_000_000],
      'gpt-4-turbo': [90_000, 1_350_000, 40_000_000, 80_000_000, 300_000_000],
      'gpt-4': [100_000, 200_000, 5_000_000, 30_000_000, 45_000_000],
      'text-embedding-3-small': [3_000_000, 20_000_000, 100_000_000, 500_000_000, 4_000_000_000],
      'text-embedding-3-large': [3_000_000, 20_000_000, 100_000_000, 500_000_000, 4_000_000_000],
      'text-embedding-ada-002': [3_000_000, 20_000_000, 100_000_000, 500_000_000, 4_000_000_000],
    },
  },
} as const satisfies InFlightQuota;
