import { url } from '@tranche/config';
import { z } from 'zod';
import { usageTierSchema } from '../usage-tier';
import type { OpenAIOptions } from './client';
import { OPENAI_ENQUEUED_TOKENS } from './queue-limits';

/** The range OpenAI takes for a file's `expires_after.seconds` and a batch's `output_expires_after.seconds`. */
export const OPENAI_FILE_EXPIRY_RANGE_S = { min: 3600, max: 30 * 24 * 3600 } as const;

/**
 * A week: longer than a batch's 24-hour window plus the default PROVIDER_FILE_RETENTION_H (72 h), after which
 * cleanup deletes the files anyway; the expiry only catches the files cleanup never reached.
 */
export const OPENAI_FILE_EXPIRES_AFTER_DEFAULT_S = 7 * 24 * 3600;

export const openAIEnvSchema = z.object({
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: url(['http:', 'https:']).optional(),
  /** The usage tier whose published batch queue limits are the budgets of the models it lists. */
  OPENAI_USAGE_TIER: usageTierSchema(OPENAI_ENQUEUED_TOKENS),
  /**
   * Seconds after their creation that OpenAI deletes Tranche's request files (`expires_after`) and its batches'
   * output and error files (`output_expires_after`) by itself; unset, a week. The worker also checks it against
   * PROVIDER_FILE_RETENTION_H.
   */
  OPENAI_FILE_EXPIRES_AFTER_S: z.coerce
    .number()
    .int()
    .min(OPENAI_FILE_EXPIRY_RANGE_S.min)
    .max(OPENAI_FILE_EXPIRY_RANGE_S.max)
    .optional(),
});
export type OpenAIEnv = z.infer<typeof openAIEnvSchema>;

export function openAIOptionsFromEnv(env: OpenAIEnv): { options: OpenAIOptions } | { missing: string } {
  if (!env.OPENAI_API_KEY) return { missing: 'OPENAI_API_KEY' };
  return {
    options: {
      apiKey: env.OPENAI_API_KEY,
      baseURL: env.OPENAI_BASE_URL,
      fileExpiresAfterSeconds: env.OPENAI_FILE_EXPIRES_AFTER_S ?? OPENAI_FILE_EXPIRES_AFTER_DEFAULT_S,
    },
  };
}

export function openAIEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return { OPENAI_API_KEY: 'sk-emulator-not-a-secret', OPENAI_BASE_URL: `${emulatorUrl}/openai/v1` };
}

/** A batch's completion window: its request file is read until then, and its results come after. */
const BATCH_WINDOW_S = 24 * 3600;

/**
 * Files that expire before Tranche is done with them: a request file must outlive its batch's 24-hour window, and
 * every file the PROVIDER_FILE_RETENTION_H that cleanup keeps it after the results are stored.
 */
export function openAIFileExpiryProblem(
  env: OpenAIEnv,
  retentionS: number,
): { variable: string; message: string } | null {
  const seconds = env.OPENAI_FILE_EXPIRES_AFTER_S ?? OPENAI_FILE_EXPIRES_AFTER_DEFAULT_S;
  const needed = BATCH_WINDOW_S + retentionS;
  if (seconds >= needed) return null;
  return {
    variable: 'OPENAI_FILE_EXPIRES_AFTER_S',
    message:
      `${seconds} s is shorter than the ${needed} s OpenAI's files are still needed (the 24-hour batch window ` +
      'and PROVIDER_FILE_RETENTION_H after the results are stored)',
  };
}
