import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database, type Sql } from './client';
import { copyRows } from './copy';
import { createTestDatabase, type TestDatabase } from './testing';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // One connection: the one a failed COPY would have left unusable is the one the next query needs.
  db = connect(testDb.url, { max: 1 });
  await db.sql`create table copy_probe (n int not null)`;
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('copyRows', () => {
  it('aborts the COPY when its rows throw: the error goes on, the transaction rolls back, the connection works', async () => {
    const rows = (async function* () {
      yield [1];
      yield [2];
      throw new Error('the request body is over MAX_BODY_BYTES');
    })();
    await expect(
      db.sql.begin((tx) => copyRows(tx as unknown as Sql, 'copy_probe', ['n'], rows)),
    ).rejects.toThrow('the request body is over MAX_BODY_BYTES');
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from copy_probe`;
    expect(row?.n).toBe(0);
  });

  it('writes every row it is given', async () => {
    const written = await db.sql.begin((tx) =>
      copyRows(tx as unknown as Sql, 'copy_probe', ['n'], [[1], [2], [3]]),
    );
    expect(written).toBe(3);
    const [row] = await db.sql<{ n: number }[]>`select sum(n)::int as n from copy_probe`;
    expect(row?.n).toBe(6);
  });
});
