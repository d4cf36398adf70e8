import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchemaCurrent, expectedMigration, SchemaVersionError } from './schema-version';
import { createTestDatabase, TEST_ADMIN_URL, type TestDatabase } from './testing';

let migrated: TestDatabase;
let sql: postgres.Sql;
const emptyName = `tranche_empty_${randomBytes(4).toString('hex')}`;
let empty: postgres.Sql;

beforeAll(async () => {
  migrated = await createTestDatabase();
  sql = postgres(migrated.url, { max: 1, onnotice: () => {} });
  const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${emptyName}`);
  await admin.end();
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${emptyName}`;
  empty = postgres(url.toString(), { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await empty?.end();
  await migrated?.drop();
  const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${emptyName} with (force)`);
  await admin.end();
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe('assertSchemaCurrent', () => {
  it('passes on a database migrated to this code’s newest migration', async () => {
    await expect(assertSchemaCurrent(sql as never)).resolves.toBeUndefined();
  });

  it('refuses a database that was never migrated, saying who migrates, and creates nothing', async () => {
    const error = await refusal(assertSchemaCurrent(empty as never));
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ state: 'behind' });
    expect((error as Error).message).toContain(expectedMigration().tag);
    const [tables] = await empty<{ n: number }[]>`
      select count(*)::int as n from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')`;
    expect(tables!.n).toBe(0);
  });

  it('refuses a database behind by one migration, and one ahead of this code', async () => {
    const [newest] = await sql<{ id: number; hash: string; created_at: string }[]>`
      select id, hash, created_at::text from drizzle.__drizzle_migrations order by created_at desc limit 1`;
    await sql`delete from drizzle.__drizzle_migrations where id = ${newest!.id}`;
    expect(await refusal(assertSchemaCurrent(sql as never))).toMatchObject({ state: 'behind' });
    await sql`
      insert into drizzle.__drizzle_migrations (hash, created_at)
      values (${newest!.hash}, ${newest!.created_at}), ('from-a-newer-release', ${Number(newest!.created_at) + 1000})`;
    expect(await refusal(assertSchemaCurrent(sql as never))).toMatchObject({ state: 'ahead' });
  });
});
