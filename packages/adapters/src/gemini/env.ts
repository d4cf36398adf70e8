import { url } from '@tranche/config';
import { z } from 'zod';
import type { GeminiOptions } from './transport';

/** The environment the Gemini Developer API transport reads (the README's Configuration table). */
export const geminiEnvSchema = z.object({
  GEMINI_API_KEY: z.string().optional(),
  /** The SDK's `httpOptions.baseUrl`, without version; unset, `https://generativelanguage.googleapis.com`. */
  GEMINI_BASE_URL: url(['http:', 'https:']).optional(),
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
