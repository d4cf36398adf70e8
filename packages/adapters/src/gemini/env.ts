import { url } from '@tranche/config';
import { z } from 'zod';
import type { InFlightQuota } from '../descriptor';
import { usageTierSchema } from '../usage-tier';
import type { GeminiOptions } from './transport';

/**
 * The Batch API's "enqueued tokens per model": tokens enqueued across all of a project's active batch jobs for one
 * model (Tiers 1 to 3; the Batch API needs a paid tier). Figures: the Gemini API rate limits page, read 2026-12-07.
 * Listed as the API's model ids: its dated previews (`gemini-2.5-flash-preview-09-2025`) and versions
 * (`gemini-2.0-flash-001`) count as the model, and `gemini-2.5-flash-lite` is a family of its own.
 */
export const GEMINI_ENQUEUED_TOKENS = {
  tierVariable: 'GEMINI_USAGE_TIER',
  unit: 'tokens',
  figures: {
    scope: 'model',
    byFamily: {
      'gemini-3-pro-preview': [50_000_000, 500_000_000, 1_000_000_000],
      'gemini-3-flash-preview': [3_000_000, 400_000_000, 500_000_000],
      'gemini-2.5-pro': [5_000_000, 500_000_000, 1_000_000_000],
      'gemini-2.5-flash': [3_000_000, 400_000_000, 1_000_000_000],
      'gemini-2.5-flash-lite': [10_000_000, 500_000_000, 1_000_000_000],
      'gemini-2.0-flash': [10_000_000, 1_000_000_000, 5_000_000_000],
      'gemini-2.0-flash-lite': [10_000_000, 1_000_000_000, 5_000_000_000],
    },
  },
} as const satisfies InFlightQuota;

/** The environment the Gemini Developer API transport reads (the README's Configuration table). */
export const geminiEnvSchema = z.object({
  GEMINI_API_KEY: z.string().optional(),
  /** The SDK's `httpOptions.baseUrl`, without version; unset, `https://generativelanguage.googleapis.com`. */
  GEMINI_BASE_URL: url(['http:', 'https:']).optional(),
  /** The usage tier whose published enqueued-token limits are the budgets of the models they list. */
  GEMINI_USAGE_TIER: usageTierSchema(GEMINI_ENQUEUED_TOKENS),
});
export type GeminiEnv = z.infer<typeof geminiEnvSchema>;

/** Options from the environment, or the name of the required variable that is missing. */
export function geminiOptionsFromEnv(env: GeminiEnv): { options: GeminiOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const apiKey = set(env.GEMINI_API_KEY);
  if (!apiKey) return { missing: 'GEMINI_API_KEY' };
  return { options: { apiKey, baseUrl: set(env.GEMINI_BASE_URL)?.replace(/\/+$/, '') } };
}

export function geminiEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return { GEMINI_API_KEY: 'gemini-emulator-not-a-secret', GEMINI_BASE_URL: `${emulatorUrl}/gemini` };
}
