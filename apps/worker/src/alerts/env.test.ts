import { ConfigError } from '@tranche/config';
import { describe, expect, it } from 'vitest';
import { loadWorkerEnv } from '../env';

describe('alerting settings', () => {
  it('default to alerts without webhooks and batches stuck after 25 hours (past the 24-hour window of the providers)', () => {
    const env = loadWorkerEnv({});
    expect(env.ALERT_WEBHOOK_URL).toBeUndefined();
    expect(env.ALERT_WEBHOOK_SECRET).toBeUndefined();
    expect(env.BATCH_STUCK_AFTER_S).toBe(25 * 3600);
    expect(env).toMatchObject({
      WEBHOOK_ATTEMPTS: 8,
      WEBHOOK_BACKOFF_MS: 10_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
    });
  });

  it('refuse a webhook URL that is not http(s), naming the variable and echoing no secret', () => {
    const secret = 'whsec-do-not-echo-me';
    for (const url of ['ftp://alerts.example.com/hook', 'not a url', 'javascript:alert(1)']) {
      let caught: unknown;
      try {
        loadWorkerEnv({ ALERT_WEBHOOK_URL: url, ALERT_WEBHOOK_SECRET: secret });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).problems).toEqual(['ALERT_WEBHOOK_URL: must be an http or https URL']);
      expect((caught as ConfigError).message).not.toContain(secret);
    }
    expect(() => loadWorkerEnv({ BATCH_STUCK_AFTER_S: '0' })).toThrow(/BATCH_STUCK_AFTER_S/);
    expect(loadWorkerEnv({ ALERT_WEBHOOK_URL: 'https://alerts.example.com/hook' }).ALERT_WEBHOOK_URL).toBe(
      'https://alerts.example.com/hook',
    );
  });
});
