import { ConfigError } from '@tranche/config';
import { describe, expect, it } from 'vitest';
import { loadWorkerEnv } from './env';

/** The messages of the ConfigError `env` is refused with. */
function refusal(env: NodeJS.ProcessEnv): string[] {
  try {
    loadWorkerEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('worker settings: provider files that expire by themselves', () => {
  it('start with the defaults: a week of OpenAI file expiry over 72 hours of retention', () => {
    expect(refusal({})).toEqual([]);
    expect(loadWorkerEnv({ OPENAI_FILE_EXPIRES_AFTER_S: '345600' }).OPENAI_FILE_EXPIRES_AFTER_S).toBe(
      345_600,
    );
  });

  it('refuse an expiry that would delete files before PROVIDER_FILE_RETENTION_H (and the batch window) is over', () => {
    const problems = refusal({ OPENAI_FILE_EXPIRES_AFTER_S: '86400', PROVIDER_FILE_RETENTION_H: '24' });
    expect(problems).toEqual([
      expect.stringMatching(/^OPENAI_FILE_EXPIRES_AFTER_S: 86400 s is shorter than the 172800 s/),
    ]);
    expect(refusal({ PROVIDER_FILE_RETENTION_H: '168' })).toEqual([
      expect.stringContaining('OPENAI_FILE_EXPIRES_AFTER_S'),
    ]);
    // No retention at all: a day for the batch window is enough.
    expect(refusal({ OPENAI_FILE_EXPIRES_AFTER_S: '86400', PROVIDER_FILE_RETENTION_H: '0' })).toEqual([]);
  });
});
