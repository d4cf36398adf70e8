import { url } from '@tranche/config';
import { z } from 'zod';
import type { MistralOptions } from './transport';

/** The environment the Mistral transport reads (the README's Configuration table). */
export const mistralEnvSchema = z.object({
  MISTRAL_API_KEY: z.string().optional(),
  /** Without `/v1`; unset means the SDK's default, `https://api.mistral.ai`. */
  MISTRAL_SERVER_URL: url(['http:', 'https:']).optional(),
});
export type MistralEnv = z.infer<typeof mistralEnvSchema>;

/** Options from the environment, or the name of the required variable that is missing. */
export function mistralOptionsFromEnv(env: MistralEnv): { options: MistralOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const apiKey = set(env.MISTRAL_API_KEY);
  if (!apiKey) return { missing: 'MISTRAL_API_KEY' };
  return { options: { apiKey, serverURL: set(env.MISTRAL_SERVER_URL)?.replace(/\/+$/, '') } };
}

export function mistralEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return { MISTRAL_API_KEY: 'mistral-emulator-not-a-secret', MISTRAL_SERVER_URL: `${emulatorUrl}/mistral` };
}
