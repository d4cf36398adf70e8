import { describe, expect, it } from 'vitest';
import { providerEnvSchema } from '../providers';
import { geminiDescriptor } from './descriptor';
import { geminiEnvSchema } from './env';

describe('GEMINI_USAGE_TIER', () => {
  it('names one of the three tiers the rate limits page lists, as a number', () => {
    expect(geminiEnvSchema.parse({}).GEMINI_USAGE_TIER).toBeUndefined();
    for (const tier of [1, 2, 3])
      expect(geminiEnvSchema.parse({ GEMINI_USAGE_TIER: String(tier) }).GEMINI_USAGE_TIER).toBe(tier);
    for (const tier of ['0', '4', '1.5', 'tier 1'])
      expect(geminiEnvSchema.safeParse({ GEMINI_USAGE_TIER: tier }).success, tier).toBe(false);
  });

  it('is the tier variable of the descriptor’s enqueued-token budget, per model, and a worker reads it', () => {
    const quota = geminiDescriptor.limits.inFlight;
    expect(quota).toMatchObject({
      tierVariable: 'GEMINI_USAGE_TIER',
      unit: 'tokens',
      figures: { scope: 'model' },
    });
    expect(providerEnvSchema.parse({ GEMINI_USAGE_TIER: '3' }).GEMINI_USAGE_TIER).toBe(3);
  });

  it('has a figure for every tier of every listed model, none smaller than the tier below', () => {
    const { figures } = geminiDescriptor.limits.inFlight;
    for (const [model, byTier] of Object.entries(figures.byFamily)) {
      expect(byTier, model).toHaveLength(3);
      expect(
        [...byTier].sort((a, b) => a - b),
        model,
      ).toEqual([...byTier]);
    }
  });
});
