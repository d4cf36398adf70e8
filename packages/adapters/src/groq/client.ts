import type OpenAI from 'openai';
import { NOT_OPENAI_SETTINGS } from '../openai/not-openai';

/** Where Groq's OpenAI-compatible API is: the `openai` SDK's `baseURL` for it. */
export const GROQ_BASE_URL = 'https://api.groq.com/openai/v1';

export interface GroqOptions {
  apiKey: string;
  /** With `/openai/v1`; default `GROQ_BASE_URL` (the emulator's `…/groq/openai/v1` in tests). */
  baseURL?: string | undefined;
  /** Every batch's `completion_window`: `24h` (the default) to `7d`. */
  completionWindow?: string | undefined;
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * The `openai` client pointed at Groq, made (and the SDK imported) when the transport first needs it, with nothing
 * taken from the `OPENAI_*` variables (`NOT_OPENAI_SETTINGS`): `baseURL` is never left undefined.
 */
export function groqClient(options: GroqOptions): () => Promise<OpenAI> {
  return async () => {
    const { default: OpenAI } = await import('openai');
    return new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? GROQ_BASE_URL,
      ...NOT_OPENAI_SETTINGS,
      maxRetries: options.maxRetries ?? 3,
      timeout: options.timeoutMs ?? 600_000,
    });
  };
}
