import { describe, expect, it } from 'vitest';
import { openAIDescriptor } from './descriptor';
import { openAIEnvSchema, openAIFileExpiryProblem, openAIOptionsFromEnv } from './env';

const fromEnv = (env: Record<string, string>) => openAIOptionsFromEnv(openAIEnvSchema.parse(env));

describe('openai environment', () => {
  it('needs a key; files expire after a week unless OPENAI_FILE_EXPIRES_AFTER_S says otherwise', () => {
    expect(fromEnv({})).toEqual({ missing: 'OPENAI_API_KEY' });
    expect(fromEnv({ OPENAI_API_KEY: 'sk-1' })).toEqual({
      options: { apiKey: 'sk-1', baseURL: undefined, fileExpiresAfterSeconds: 7 * 24 * 3600 },
    });
    expect(fromEnv({ OPENAI_API_KEY: 'sk-1', OPENAI_FILE_EXPIRES_AFTER_S: '3600' })).toMatchObject({
      options: { fileExpiresAfterSeconds: 3600 },
    });
    expect(fromEnv({ OPENAI_API_KEY: 'sk-1', OPENAI_FILE_EXPIRES_AFTER_S: '2592000' })).toMatchObject({
      options: { fileExpiresAfterSeconds: 2_592_000 },
    });
  });

  it('takes only what OpenAI takes: whole seconds from an hour to 30 days', () => {
    for (const refused of ['3599', '2592001', '86400.5', 'week', '-1']) {
      expect(openAIEnvSchema.safeParse({ OPENAI_FILE_EXPIRES_AFTER_S: refused }).success, refused).toBe(
        false,
      );
    }
  });

  it('finds an expiry shorter than the 24-hour window plus the retention after results, and names the variable', () => {
    const env = (seconds?: number) =>
      openAIEnvSchema.parse(seconds ? { OPENAI_FILE_EXPIRES_AFTER_S: String(seconds) } : {});
    const retention = 72 * 3600;
    expect(openAIFileExpiryProblem(env(), retention)).toBeNull();
    expect(openAIFileExpiryProblem(env(96 * 3600), retention)).toBeNull();
    expect(openAIFileExpiryProblem(env(96 * 3600 - 1), retention)).toEqual({
      variable: 'OPENAI_FILE_EXPIRES_AFTER_S',
      message: expect.stringContaining('PROVIDER_FILE_RETENTION_H'),
    });
    // The default week holds up to 6 days of retention.
    expect(openAIFileExpiryProblem(env(), 6 * 24 * 3600)).toBeNull();
    expect(openAIFileExpiryProblem(env(), 6 * 24 * 3600 + 1)).not.toBeNull();
    expect(openAIDescriptor.env.fileExpiryProblem).toBe(openAIFileExpiryProblem);
  });
});
