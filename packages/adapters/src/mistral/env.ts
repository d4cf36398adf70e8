import { url } from '@tranche/config';
import { z } from 'zod';
import { DEFAULT_INLINE } from './inline-bounds';
import type { MistralOptions } from './transport';

/** The environment the Mistral transport reads (the README's Configuration table). */
export const mistralEnvSchema = z.object({
  MISTRAL_API_KEY: z.string().optional(),
  /** Without `/v1`; unset means the SDK's default, `https://api.mistral.ai`. */
  MISTRAL_SERVER_URL: url(['http:', 'https:']).optional(),
  /**
   * Chunks of at most this many requests (and `MISTRAL_INLINE_MAX_BYTES`) are sent inline, in the job create call;
   * 0 sends every chunk as an uploaded file. Above 10,000, the most a third-party SDK documents, is refused.
   */
  MISTRAL_INLINE_MAX_REQUESTS: z.coerce.number().int().min(0).max(10_000).optional(),
  /** Bytes of a chunk's request file for it to go inline; 0 sends every chunk as an uploaded file. */
  MISTRAL_INLINE_MAX_BYTES: z.coerce.number().int().min(0).optional(),
});
export type MistralEnv = z.infer<typeof mistralEnvSchema>;

/** Options from the environment, or the name of the required variable that is missing. */
export function mistralOptionsFromEnv(env: MistralEnv): { options: MistralOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const apiKey = set(env.MISTRAL_API_KEY);
  if (!apiKey) return { missing: 'MISTRAL_API_KEY' };
  return {
    options: {
      apiKey,
      serverURL: set(env.MISTRAL_SERVER_URL)?.replace(/\/+$/, ''),
      inline: {
        maxRequests: env.MISTRAL_INLINE_MAX_REQUESTS ?? DEFAULT_INLINE.maxRequests,
        maxBytes: env.MISTRAL_INLINE_MAX_BYTES ?? DEFAULT_INLINE.maxBytes,
      },
    },
  };
}

export function mistralEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return { MISTRAL_API_KEY: 'mistral-emulator-not-a-secret', MISTRAL_SERVER_URL: `${emulatorUrl}/mistral` };
}
