import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

// postgres.js 3.4.9, on a connection whose server went away (a worker's Postgres connections cut by a restart):
// - it wrote to a socket it had already let go of, from a setImmediate outside any query, and the uncaught TypeError
//   ended the whole process;
// - a query sent between the socket's error and its close waited for an answer forever.
// Our patch (patches/postgres@3.4.9.patch) makes both fail with CONNECTION_CLOSED, which callers handle. A reserved
// connection shows both most reliably; which of the two happens depends on timing, so it runs a few times.
it.each([1, 2, 3, 4, 5])('fails the queries of a connection whose server went away (run %i)', async () => {
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  const killer = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const reserved = await sql.reserve();
    const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await killer`select pg_terminate_backend(${row!.pid})`;
    await expect(reserved`select 1`).rejects.toThrow();
    await expect(reserved`select 1`).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await expect(reserved`select 1`).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    reserved.release();
  } finally {
    await killer.end();
    await sql.end({ timeout: 1 });
  }
});
