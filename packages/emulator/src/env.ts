import { z } from 'zod';

const envSchema = z.object({
  EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  EMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  EMULATOR_STEP_MS: z.coerce.number().int().positive().default(1000),
  EMULATOR_SEED: z.coerce.number().int().default(1),
});

export type EmulatorEnv = z.infer<typeof envSchema>;

/** Empty variables count as unset; every problem names its variable. */
export function parseEmulatorEnv(env: NodeJS.ProcessEnv): EmulatorEnv {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('EMULATOR_') && value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = envSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`invalid emulator configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
