import { fileURLToPath } from 'node:url';
import { type MigrationMeta, readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
// Any constant shared by every Tranche process: two processes booting together take turns.
const MIGRATION_LOCK_ID = 724_311_907;

/**
 * Applies the migrations drizzle-kit wrote that the database lacks, keeping drizzle's own record of them
 * (`drizzle.__drizzle_migrations`, which `assertSchemaCurrent` reads).
 *
 * Everything happens in one transaction under a transaction-level advisory lock, and without prepared statements:
 * nothing outlives the transaction, so this works on a direct connection and through a pooler in transaction mode
 * alike (a session-level lock there would be taken on one server connection and released on another, or never).
 */
export async function runMigrations(url: string): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
      await applyMissing(tx, migrations);
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** What drizzle's migrator does: every migration newer than the newest one recorded, in order, then its record. */
async function applyMissing(tx: postgres.TransactionSql, migrations: MigrationMeta[]): Promise<void> {
  await tx`create schema if not exists drizzle`;
  await tx`
    create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`;
  const [newest] = await tx<{ created_at: string }[]>`
    select created_at::text from drizzle.__drizzle_migrations order by created_at desc limit 1`;
  const appliedUpTo = newest ? Number(newest.created_at) : Number.NEGATIVE_INFINITY;
  for (const migration of migrations) {
    if (migration.folderMillis <= appliedUpTo) continue;
    for (const statement of migration.sql) await tx.unsafe(statement);
    await tx`
      insert into drizzle.__drizzle_migrations (hash, created_at)
      values (${migration.hash}, ${migration.folderMillis})`;
  }
}
