import { createTestDatabase, type TestDatabase } from '@tranche/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiEnv } from './env';
import { startApi } from './server';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

const env = (extra: Record<string, string>) =>
  loadApiEnv({
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: 'test-server-bind',
    PORT: '0',
    HOST: '0.0.0.0',
    LOG_LEVEL: 'silent',
    ...extra,
  });

describe('where the API listens', () => {
  it('on loopback only while no admin key is configured, whatever HOST says', async () => {
    const api = await startApi(env({}));
    try {
      expect(api.host).toBe('127.0.0.1');
    } finally {
      await api.close();
    }
  });

  it('on HOST once an admin key is set (API_KEYS counts as one)', async () => {
    const configs: Array<Record<string, string>> = [
      { ADMIN_API_KEYS: 'a-long-admin-key' },
      { API_KEYS: 'an-older-admin-key' },
    ];
    for (const keys of configs) {
      const api = await startApi(env(keys));
      try {
        expect(api.host).toBe('0.0.0.0');
        const unauthenticated = await fetch(`${api.url}/v1/me`);
        expect(unauthenticated.status).toBe(401);
        expect(unauthenticated.headers.get('www-authenticate')).toContain('Bearer');
      } finally {
        await api.close();
      }
    }
  });
});
