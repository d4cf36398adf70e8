import { describe, expect, it } from 'vitest';
import { completionWindowHours, groqEmulatorEnv, groqEnvSchema, groqOptionsFromEnv } from './env';

const fromEnv = (env: Record<string, string>) => groqOptionsFromEnv(groqEnvSchema.parse(env));

describe('groq environment', () => {
  it('needs a key; the base URL and the completion window have defaults', () => {
    expect(fromEnv({})).toEqual({ missing: 'GROQ_API_KEY' });
    expect(fromEnv({ GROQ_API_KEY: '  ' })).toEqual({ missing: 'GROQ_API_KEY' });
    expect(fromEnv({ GROQ_API_KEY: 'gsk_1' })).toEqual({
      options: { apiKey: 'gsk_1', baseURL: undefined, completionWindow: undefined },
    });
    expect(
      fromEnv({
        GROQ_API_KEY: 'gsk_1',
        GROQ_BASE_URL: 'https://proxy.example/openai/v1/',
        GROQ_COMPLETION_WINDOW: '7d',
      }),
    ).toEqual({
      options: { apiKey: 'gsk_1', baseURL: 'https://proxy.example/openai/v1', completionWindow: '7d' },
    });
  });

  it('takes completion windows from 24h to 7d, and refuses any other', () => {
    expect(completionWindowHours('24h')).toBe(24);
    expect(completionWindowHours('48h')).toBe(48);
    expect(completionWindowHours('7d')).toBe(168);
    expect(completionWindowHours('168h')).toBe(168);
    for (const refused of ['23h', '8d', '169h', '0d', '24', '1w', '24H', ' 24h', '024h']) {
      expect(completionWindowHours(refused), refused).toBeNull();
      expect(groqEnvSchema.safeParse({ GROQ_COMPLETION_WINDOW: refused }).success, refused).toBe(
        refused === ' 24h',
      );
    }
  });

  it('reaches the emulator at /groq/openai/v1', () => {
    expect(fromEnv(groqEmulatorEnv('http://127.0.0.1:4010'))).toEqual({
      options: {
        apiKey: 'gsk-emulator-not-a-secret',
        baseURL: 'http://127.0.0.1:4010/groq/openai/v1',
        completionWindow: undefined,
      },
    });
  });
});
