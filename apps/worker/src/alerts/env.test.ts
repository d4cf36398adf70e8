import { randomBytes } from 'node:crypto';
import { ConfigError } from '@tranche/config';
import { describe, expect, it } from 'vitest';
import { loadWorkerEnv } from '../env';

describe('alerting settings', () => {
  it('default to alerts without webhooks and batches stuck after 25 hours (past the 24-hour window of the providers)', () => {
    const env = loadWorkerEnv({});
    expect(env.ALERT_WEBHOOK_URL).toBeUndefined();
    expect(env.ALERT_WEBHOOK_SECRET).toBeUndefined();
    expect(env.BATCH_STUCK_AFTER_S).toBe(25 * 3600);
    expect(env.WEBHOOK_SECRETS_KEY).toBeUndefined();
    expect(env).toMatchObject({
      WEBHOOK_ATTEMPTS: 8,
      WEBHOOK_BACKOFF_MS: 10_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_ALLOW_PRIVATE: false,
    });
  });

  it('refuse a webhook URL that is not http(s), naming the variable and echoing no secret', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
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
    let withPassword: unknown;
    try {
      loadWorkerEnv({ ALERT_WEBHOOK_URL: 'https://ops:pa55word@alerts.example.com/hook' });
    } catch (error) {
      withPassword = error;
    }
    expect((withPassword as ConfigError).problems).toEqual([
      'ALERT_WEBHOOK_URL: must not carry a user name or password',
    ]);
    expect((withPassword as ConfigError).message).not.toContain('pa55word');
    expect(() => loadWorkerEnv({ BATCH_STUCK_AFTER_S: '0' })).toThrow(/BATCH_STUCK_AFTER_S/);
    expect(loadWorkerEnv({ ALERT_WEBHOOK_URL: 'https://alerts.example.com/hook' }).ALERT_WEBHOOK_URL).toBe(
      'https://alerts.example.com/hook',
    );
  });

  it('take an alert secret only as whsec_ and the base64 of at least 24 bytes, saying how to make one', () => {
    const made = `whsec_${randomBytes(32).toString('base64')}`;
    expect(loadWorkerEnv({ ALERT_WEBHOOK_SECRET: made }).ALERT_WEBHOOK_SECRET).toBe(made);
    for (const secret of [
      'a-shared-secret-of-old-0123456789',
      `whsec_${randomBytes(16).toString('base64')}`,
      `whsec_${randomBytes(32).toString('base64url')}!`,
      `whsec_${randomBytes(32).toString('hex')}x`,
    ]) {
      let caught: unknown;
      try {
        loadWorkerEnv({ ALERT_WEBHOOK_SECRET: secret });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      const [problem] = (caught as ConfigError).problems;
      expect(problem).toMatch(
        /^ALERT_WEBHOOK_SECRET: must be whsec_ and the base64 of at least 24 random bytes/,
      );
      expect(problem).toContain('openssl rand -base64 32');
      expect((caught as ConfigError).message).not.toContain(secret);
    }
  });

  it('take a WEBHOOK_SECRETS_KEY of at least 32 characters, and WEBHOOK_ALLOW_PRIVATE as true or false', () => {
    const key = randomBytes(48).toString('base64');
    expect(loadWorkerEnv({ WEBHOOK_SECRETS_KEY: key }).WEBHOOK_SECRETS_KEY).toBe(key);
    expect(() => loadWorkerEnv({ WEBHOOK_SECRETS_KEY: 'short' })).toThrow(
      /WEBHOOK_SECRETS_KEY: at least 32 characters/,
    );
    expect(loadWorkerEnv({ WEBHOOK_ALLOW_PRIVATE: 'true' }).WEBHOOK_ALLOW_PRIVATE).toBe(true);
    expect(loadWorkerEnv({ WEBHOOK_ALLOW_PRIVATE: 'false' }).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(() => loadWorkerEnv({ WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE: must be true or false/,
    );
  });
});
