import { url } from '@tranche/config';
import { z } from 'zod';
import { usageTierSchema } from '../usage-tier';
import type { OpenAIOptions } from './client';
import { OPENAI_ENQUEUED_TOKENS } from './queue-limits';

export const openAIEnvSchema = z.object({
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: url(['http:', 'https:']).optional(),
  /** The usage tier whose published batch queue limits are the budgets of the models it lists. */
  OPENAI_USAGE_TIER: usageTierSchema(OPENAI_ENQUEUED_TOKENS),
});
export type OpenAIEnv = z.infer<typeof openAIEnvSchema>;

export function openAIOptionsFromEnv(env: OpenAIEnv): { options: OpenAIOptions } | { missing: string } {
  if (!env.OPENAI_API_KEY) return { missing: 'OPENAI_API_KEY' };
  return { options: { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL } };
}

export function openAIEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return { OPENAI_API_KEY: 'sk-emulator-not-a-secret', OPENAI_BASE_URL: `${emulatorUrl}/openai/v1` };
}
