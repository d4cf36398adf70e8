import { randomBytes } from 'node:crypto';
import { connect, SchemaVersionError } from '@tranche/db';
import { createTestDatabase, TEST_ADMIN_URL, type TestDatabase } from '@tranche/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchClient } from './client';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const emptyName = `tranche_sdk_empty_${randomBytes(4).toString('hex')}`;
let migrated: TestDatabase;

function urlOf(database: string): string {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function asAdmin(statement: string): Promise<void> {
  const admin = connect(TEST_ADMIN_URL, { max: 1 });
  try {
    await admin.sql.unsafe(statement);
  } finally {
    await admin.close();
  }
}

beforeAll(async () => {
  migrated = await createTestDatabase();
  await asAdmin(`create database ${emptyName}`);
});

afterAll(async () => {
  await migrated?.drop();
  await asAdmin(`drop database if exists ${emptyName} with (force)`);
});

const client = (databaseUrl: string) =>
  new BatchClient({
    databaseUrl,
    redisUrl: REDIS_URL,
    queuePrefix: `test-sdk-${randomBytes(4).toString('hex')}`,
  });

describe('BatchClient and the schema', () => {
  it('never migrates: on a database the API has not migrated, every call refuses and nothing is created', async () => {
    const sdk = client(urlOf(emptyName));
    try {
      await expect(sdk.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
        SchemaVersionError,
      );
      await expect(sdk.listBudgets()).rejects.toThrow(/behind this client .* never migrates/);
    } finally {
      await sdk.close();
    }
    const empty = connect(urlOf(emptyName), { max: 1 });
    try {
      const [row] = await empty.sql<{ n: number }[]>`
        select count(*)::int as n from information_schema.schemata where schema_name in ('drizzle', 'public')
          and exists (select 1 from information_schema.tables t where t.table_schema = schema_name)`;
      expect(row!.n).toBe(0);
    } finally {
      await empty.close();
    }
  });

  it('works on a database on its schema', async () => {
    const sdk = client(migrated.url);
    try {
      expect(await sdk.listBudgets()).toEqual([]);
    } finally {
      await sdk.close();
    }
  });
});
