import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Sql } from './client';

const JOURNAL = fileURLToPath(new URL('../drizzle/meta/_journal.json', import.meta.url));

/** The migrations this code was written for, as drizzle-kit recorded them: the newest one's tag and time. */
export function expectedMigration(): { tag: string; when: number } {
  const journal = JSON.parse(readFileSync(JOURNAL, 'utf8')) as {
    entries: Array<{ tag: string; when: number }>;
  };
  const newest = journal.entries.at(-1);
  if (!newest) throw new Error('packages/db/drizzle/meta/_journal.json lists no migration');
  return newest;
}

/**
 * The database's schema is not the one this code was written for. Only the API and the workers migrate (at start,
 * under a lock): a client that reads and writes the tables directly refuses to work on another schema.
 */
export class SchemaVersionError extends Error {
  constructor(
    readonly state: 'behind' | 'ahead',
    message: string,
  ) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

/**
 * Throws a SchemaVersionError unless the newest migration applied to the database is the newest this code knows.
 * drizzle's migrator records each applied migration with the journal's `when` as `created_at`.
 */
export async function assertSchemaCurrent(sql: Sql): Promise<void> {
  const expected = expectedMigration();
  const [table] = await sql<{ exists: boolean }[]>`
    select to_regclass('drizzle.__drizzle_migrations') is not null as exists`;
  const [applied] = table?.exists
    ? await sql<{ when: string }[]>`
        select created_at::text as when from drizzle.__drizzle_migrations order by created_at desc limit 1`
    : [];
  const newest = applied ? Number(applied.when) : null;
  if (newest === expected.when) return;
  if (newest === null || newest < expected.when) {
    throw new SchemaVersionError(
      'behind',
      `the database schema is behind this client (it needs migration ${expected.tag}): start or upgrade the ` +
        'Tranche API or a worker first, which migrate at start; this client never migrates',
    );
  }
  throw new SchemaVersionError(
    'ahead',
    `the database schema is newer than this client knows (its newest migration is ${expected.tag}): upgrade ` +
      '@tranche/producer to the version of the API and workers',
  );
}
