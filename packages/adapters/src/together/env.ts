import { url } from '@tranche/config';
import { z } from 'zod';
import type { TogetherOptions } from './transport';

export const TOGETHER_DEFAULT_BASE_URL = 'https://api.together.xyz/v1';

/** The environment the Together AI transport reads (the README's Configuration table). */
export const togetherEnvSchema = z.object({
  TOGETHER_API_KEY: z.string().optional(),
  /** The API root, version included; unset, `https://api.together.xyz/v1`. */
  TOGETHER_BASE_URL: url(['http:', 'https:']).optional(),
});
export type TogetherEnv = z.infer<typeof togetherEnvSchema>;

/** Options from the environment, or the name of the required variable that is missing. */
export function togetherOptionsFromEnv(env: TogetherEnv): { options: TogetherOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const apiKey = set(env.TOGETHER_API_KEY);
  if (!apiKey) return { missing: 'TOGETHER_API_KEY' };
  return { options: { apiKey, baseUrl: set(env.TOGETHER_BASE_URL)?.replace(/\/+$/, '') } };
}

export function togetherEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return {
    TOGETHER_API_KEY: 'together-emulator-not-a-secret',
    TOGETHER_BASE_URL: `${emulatorUrl}/together/v1`,
  };
}
