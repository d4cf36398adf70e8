import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { runMigrations } from './migrate';

export const TEST_ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEMPLATE_ENV = 'TRANCHE_TEST_TEMPLATE';

/** Each test run has a template of its own, so two runs on one machine never trip over each other. */
function templateName(): string {
  const name = process.env[TEMPLATE_ENV];
  if (!name)
    throw new Error(
      `${TEMPLATE_ENV} is not set: run the tests through vitest (its global setup makes the template)`,
    );
  return name;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

/**
 * Creates the migrated template that every test database of this run is cloned from, and returns a function that
 * drops it (with the databases of earlier runs that died before they could clean up).
 */
export async function prepareTemplateDatabase(): Promise<() => Promise<void>> {
  const name = `tranche_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin((sql) => sql.unsafe(`create database ${name}`));
  await runMigrations(withDatabase(TEST_ADMIN_URL, name));
  process.env[TEMPLATE_ENV] = name;
  return () => admin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)).then(() => {});
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template: each test file gets its own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tranche_test_${randomBytes(6).toString('hex')}`;
  const template = templateName();
  await admin((sql) => sql.unsafe(`create database ${name} template ${template}`));
  return {
    name,
    url: withDatabase(TEST_ADMIN_URL, name),
    drop: () => admin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}
