import { url } from '@tranche/config';
import { z } from 'zod';
import type { GroqOptions } from './client';

/** Hours a completion window gives a batch: `24h` to `168h`, or `1d` to `7d`; null for anything else. */
export function completionWindowHours(value: string): number | null {
  const match = /^([1-9]\d{0,2})([hd])$/.exec(value);
  if (!match) return null;
  const hours = Number(match[1]) * (match[2] === 'd' ? 24 : 1);
  return hours >= 24 && hours <= 7 * 24 ? hours : null;
}

/** The environment the Groq transport reads (the README's Configuration table). */
export const groqEnvSchema = z.object({
  GROQ_API_KEY: z.string().optional(),
  /** The `openai` SDK's `baseURL`, with `/openai/v1`; unset, `https://api.groq.com/openai/v1`. */
  GROQ_BASE_URL: url(['http:', 'https:']).optional(),
  /**
   * Every batch's `completion_window`. Groq takes "durations from 24h to 7d" and advises the longer window under
   * load; its examples show only `24h` and `7d`, so other values in the range are accepted here but unconfirmed there.
   */
  GROQ_COMPLETION_WINDOW: z
    .string()
    .trim()
    .refine((value) => completionWindowHours(value) !== null, {
      message: 'a duration from 24h to 7d, e.g. 24h or 7d',
    })
    .optional(),
});
export type GroqEnv = z.infer<typeof groqEnvSchema>;

/** Options from the environment, or the name of the required variable that is missing. */
export function groqOptionsFromEnv(env: GroqEnv): { options: GroqOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const apiKey = set(env.GROQ_API_KEY);
  if (!apiKey) return { missing: 'GROQ_API_KEY' };
  return {
    options: {
      apiKey,
      baseURL: set(env.GROQ_BASE_URL)?.replace(/\/+$/, ''),
      completionWindow: set(env.GROQ_COMPLETION_WINDOW),
    },
  };
}

export function groqEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return { GROQ_API_KEY: 'gsk-emulator-not-a-secret', GROQ_BASE_URL: `${emulatorUrl}/groq/openai/v1` };
}
