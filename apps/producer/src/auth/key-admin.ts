import { randomUUID } from 'node:crypto';
import { type ApiKey, type CreatedKey, newKeySchema } from '@tranche/contracts';
import { type ApiKeyRow, insertApiKey, listApiKeys, revokeApiKey, type Sql } from '@tranche/db';
import { problemsFromZod, RequestValidationError } from '../intake/validation-error';
import { newApiKey } from './api-key';
import { type Caller, requireAdmin } from './caller';

/** A key as the API lists it: no secret, its visible prefix. */
export type KeyView = ApiKey;
export type { CreatedKey };

export class KeyNotFoundError extends Error {
  readonly status = 404;
  constructor(readonly keyId: string) {
    super(`no live key ${keyId}`);
    this.name = 'KeyNotFoundError';
  }
}

function view(row: ApiKeyRow): KeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    projects: row.projects,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

/** `POST /v1/keys`, admins only: a member or viewer key of some projects, stored as a hash. */
export async function createKey(sql: Sql, caller: Caller, body: unknown): Promise<CreatedKey> {
  requireAdmin(caller);
  const parsed = newKeySchema.safeParse(body ?? {});
  if (!parsed.success) throw new RequestValidationError(problemsFromZod(parsed.error));
  const { key, prefix, keySha256 } = newApiKey();
  const row = await insertApiKey(sql, { id: randomUUID(), prefix, keySha256, ...parsed.data });
  const { id, name, projects, role, created_at } = view(row);
  return { id, key, prefix, name, projects, role, created_at };
}

export async function listKeys(sql: Sql, caller: Caller): Promise<KeyView[]> {
  requireAdmin(caller);
  return (await listApiKeys(sql)).map(view);
}

/** Revokes at once: the next request with the key is a 401. */
export async function revokeKey(sql: Sql, caller: Caller, id: string): Promise<void> {
  requireAdmin(caller);
  if (!(await revokeApiKey(sql, id))) throw new KeyNotFoundError(id);
}
