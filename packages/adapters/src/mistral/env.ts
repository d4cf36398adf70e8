import type { MistralAdapterOptions } from './adapter';

/** The environment the Mistral adapter reads (the README's Configuration table). */
export interface MistralEnv {
  MISTRAL_API_KEY?: string;
  /** Without `/v1`; unset means the SDK's default, `https://api.mistral.ai`. */
  MISTRAL_SERVER_URL?: string;
}

/** Options from the environment, or the name of the required variable that is missing. */
export function mistralOptionsFromEnv(
  env: MistralEnv,
): { options: MistralAdapterOptions } | { missing: string } {
  const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
  const apiKey = set(env.MISTRAL_API_KEY);
  if (!apiKey) return { missing: 'MISTRAL_API_KEY' };
  return { options: { apiKey, serverURL: set(env.MISTRAL_SERVER_URL)?.replace(/\/+$/, '') } };
}
