import { url } from '@tranche/config';
import { z } from 'zod';
import { usageTierSchema } from '../usage-tier';
import { ANTHROPIC_QUEUED_REQUESTS } from './queue-limits';
import type { AnthropicOptions } from './transport';

export const anthropicEnvSchema = z.object({
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: url(['http:', 'https:']).optional(),
  /** The usage tier whose published limit on queued batch requests is the budget. */
  ANTHROPIC_USAGE_TIER: usageTierSchema(ANTHROPIC_QUEUED_REQUESTS),
});
export type AnthropicEnv = z.infer<typeof anthropicEnvSchema>;

export function anthropicOptionsFromEnv(
  env: AnthropicEnv,
): { options: AnthropicOptions } | { missing: string } {
  if (!env.ANTHROPIC_API_KEY) return { missing: 'ANTHROPIC_API_KEY' };
  return { options: { apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL } };
}

export function anthropicEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return {
    ANTHROPIC_API_KEY: 'sk-ant-emulator-not-a-secret',
    ANTHROPIC_BASE_URL: `${emulatorUrl}/anthropic`,
  };
}
