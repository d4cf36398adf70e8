import { ConfigError } from '@tranche/config';
import { describe, expect, it } from 'vitest';
import { loadApiEnv } from './env';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tranche' };

describe('the API environment', () => {
  it('bounds intake by default: 32 MiB per input, 1,000,000 inputs, polls no more often than every 30 s', () => {
    expect(loadApiEnv(base)).toMatchObject({
      MAX_INPUT_BYTES: 32 * 1024 * 1024,
      MAX_INPUTS: 1_000_000,
      MIN_POLL_INTERVAL_S: 30,
      POLL_INTERVAL_S: 300,
    });
  });

  it('refuses a default poll interval under the floor, naming POLL_INTERVAL_S', () => {
    expect(() => loadApiEnv({ ...base, POLL_INTERVAL_S: '1' })).toThrow(ConfigError);
    expect(() => loadApiEnv({ ...base, POLL_INTERVAL_S: '1' })).toThrow(
      'POLL_INTERVAL_S: must be at least MIN_POLL_INTERVAL_S',
    );
    expect(loadApiEnv({ ...base, POLL_INTERVAL_S: '1', MIN_POLL_INTERVAL_S: '0.5' })).toMatchObject({
      POLL_INTERVAL_S: 1,
      MIN_POLL_INTERVAL_S: 0.5,
    });
  });

  it('refuses limits that are not positive integers, naming them', () => {
    expect(() => loadApiEnv({ ...base, MAX_INPUT_BYTES: '0' })).toThrow('MAX_INPUT_BYTES');
    expect(() => loadApiEnv({ ...base, MAX_INPUTS: '1.5' })).toThrow('MAX_INPUTS');
  });

  it('takes webhook signing secrets per provider, comma-separated, and refuses one that is not, naming where', () => {
    const secret = (fill: number) => Buffer.alloc(32, fill).toString('base64');
    const unset = loadApiEnv(base);
    expect([unset.OPENAI_WEBHOOK_SECRET, unset.GEMINI_WEBHOOK_SECRET]).toEqual([undefined, undefined]);
    expect(
      loadApiEnv({
        ...base,
        OPENAI_WEBHOOK_SECRET: `whsec_${secret(1)}, whsec_${secret(2)}`,
        GEMINI_WEBHOOK_SECRET: secret(3),
      }),
    ).toMatchObject({
      OPENAI_WEBHOOK_SECRET: [`whsec_${secret(1)}`, `whsec_${secret(2)}`],
      GEMINI_WEBHOOK_SECRET: [secret(3)],
    });
    // OpenAI's secrets always start whsec_; its SDK would read one without the prefix as text, not base64.
    expect(() => loadApiEnv({ ...base, OPENAI_WEBHOOK_SECRET: secret(1) })).toThrow(
      'OPENAI_WEBHOOK_SECRET.0',
    );
    const typo = `whsec_${secret(1)},sk-proj-not-a-signing-secret`;
    expect(() => loadApiEnv({ ...base, OPENAI_WEBHOOK_SECRET: typo })).toThrow('OPENAI_WEBHOOK_SECRET.1');
    expect(() => loadApiEnv({ ...base, OPENAI_WEBHOOK_SECRET: typo })).not.toThrow('sk-proj');
  });
});
