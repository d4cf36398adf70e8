import { describe, expect, it } from 'vitest';
import { mistralEnvSchema, mistralOptionsFromEnv } from './env';
import { DEFAULT_INLINE } from './inline-bounds';

describe('mistralOptionsFromEnv', () => {
  it('sends small chunks inline by default, within the bounds the variables set', () => {
    const options = (env: Record<string, string>) =>
      mistralOptionsFromEnv(mistralEnvSchema.parse({ MISTRAL_API_KEY: 'k', ...env }));
    expect(options({})).toEqual({ options: { apiKey: 'k', serverURL: undefined, inline: DEFAULT_INLINE } });
    expect(options({ MISTRAL_INLINE_MAX_REQUESTS: '0' })).toMatchObject({
      options: { inline: { maxRequests: 0, maxBytes: DEFAULT_INLINE.maxBytes } },
    });
    expect(options({ MISTRAL_INLINE_MAX_BYTES: '2000000' })).toMatchObject({
      options: { inline: { maxRequests: DEFAULT_INLINE.maxRequests, maxBytes: 2_000_000 } },
    });
  });

  it('refuses more inline requests than the 10,000 documented anywhere, and negative bounds', () => {
    expect(mistralEnvSchema.safeParse({ MISTRAL_INLINE_MAX_REQUESTS: '10001' }).success).toBe(false);
    expect(mistralEnvSchema.safeParse({ MISTRAL_INLINE_MAX_BYTES: '-1' }).success).toBe(false);
  });
});
