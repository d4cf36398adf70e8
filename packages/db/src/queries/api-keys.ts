import type { Sql } from '../client';

export type KeyRole = 'member' | 'viewer';

/** A key as listed: never its secret, only its visible prefix. */
export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  role: KeyRole;
  projects: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  prefix: string;
  keySha256: string;
  role: KeyRole;
  projects: readonly string[];
}

const COLUMNS = 'id, name, prefix, role, projects, created_at, last_used_at, revoked_at';

export async function insertApiKey(sql: Sql, key: NewApiKey): Promise<ApiKeyRow> {
  const [row] = await sql<ApiKeyRow[]>`
    insert into api_keys (id, name, prefix, key_sha256, role, projects)
    values (${key.id}, ${key.name}, ${key.prefix}, ${key.keySha256}, ${key.role}, ${key.projects as string[]})
    returning ${sql.unsafe(COLUMNS)}`;
  return row!;
}

/** The live (not revoked) key with this prefix, with its hash to compare. */
export async function findLiveApiKey(
  sql: Sql,
  prefix: string,
): Promise<(ApiKeyRow & { key_sha256: string }) | null> {
  const [row] = await sql<(ApiKeyRow & { key_sha256: string })[]>`
    select ${sql.unsafe(COLUMNS)}, key_sha256 from api_keys where prefix = ${prefix} and revoked_at is null`;
  return row ?? null;
}

/** Every key, revoked ones included (with `revoked_at`), newest first. */
export async function listApiKeys(sql: Sql): Promise<ApiKeyRow[]> {
  return sql<ApiKeyRow[]>`select ${sql.unsafe(COLUMNS)} from api_keys order by created_at desc, id`;
}

/** Revokes the key; the row stays (jobs name it in `submitted_by`). False when there is no such live key. */
export async function revokeApiKey(sql: Sql, id: string): Promise<boolean> {
  const revoked = await sql`update api_keys set revoked_at = now() where id = ${id} and revoked_at is null`;
  return revoked.count > 0;
}

/**
 * Records that the key was used: at most once a minute per key, so that a busy client does not turn every read
 * into a write.
 */
export async function touchApiKey(sql: Sql, id: string): Promise<void> {
  await sql`
    update api_keys set last_used_at = now()
    where id = ${id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}
