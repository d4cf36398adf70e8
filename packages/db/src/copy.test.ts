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
  await db.sql`create table copy_text (n int not null, t text, j jsonb)`;
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

  it('keeps text as it was: escapes, multi-byte characters, nulls, JSON', async () => {
    const texts = ['tab\there', 'line\nbreak\r\n', 'back\\slash \\N', 'é🎉 ünïcödé', '', 'plain'];
    const rows: Array<[number, string | null, object | null]> = texts.map((t, n) => [n, t, { t, n: [n] }]);
    rows.push([texts.length, null, null]);
    await db.sql.begin((tx) => copyRows(tx as unknown as Sql, 'copy_text', ['n', 't', 'j'], rows));
    const stored = await db.sql<
      { n: number; t: string | null; j: unknown }[]
    >`select n, t, j from copy_text order by n`;
    expect(stored).toEqual(rows.map(([n, t, j]) => ({ n, t, j })));
  });

  it('sends rows across many chunks, and a line longer than a chunk on its own', async () => {
    await db.sql`truncate copy_text`;
    const long = `${'é'.repeat(400_000)}\t${'x'.repeat(300_000)}`;
    const rows = (function* () {
      for (let n = 0; n < 20_000; n++) {
        yield [n, n === 7_000 ? long : `row ${n} ${'ü'.repeat(n % 100)}`, null];
      }
    })();
    const written = await db.sql.begin((tx) =>
      copyRows(tx as unknown as Sql, 'copy_text', ['n', 't', 'j'], rows),
    );
    expect(written).toBe(20_000);
    const [summary] = await db.sql<{ count: number; chars: string }[]>`
      select count(*)::int as count, sum(length(t))::text as chars from copy_text`;
    let chars = 0;
    for (let n = 0; n < 20_000; n++) chars += n === 7_000 ? long.length : `row ${n} `.length + (n % 100);
    expect(summary).toEqual({ count: 20_000, chars: String(chars) });
    const [row] = await db.sql<{ t: string }[]>`select t from copy_text where n = 7000`;
    expect(row?.t).toBe(long);
  });
});
