import { findLiveApiKey, type Sql, touchApiKey } from '@tranche/db';
import { apiKeyPrefix, sameSecret, sha256Hex } from './api-key';
import { type Caller, LOCAL_OPERATOR } from './caller';

const LAST_USED_PRECISION_MS = 60_000;

/** The SDK's `apiKey` is not a live project key (the HTTP API answers 401). */
export class InvalidApiKeyError extends Error {
  readonly status = 401;
  constructor() {
    super('apiKey: unknown or revoked key');
    this.name = 'InvalidApiKeyError';
  }
}

/**
 * Turns a presented key into a caller: an operator's admin key (ADMIN_API_KEYS, and API_KEYS, which are admin keys
 * too), or a project key from `api_keys` (looked up on every request, so a revoked key is refused at once).
 */
export class Authenticator {
  private readonly admins: Array<{ key: string; caller: Caller }>;

  constructor(
    private readonly sql: Sql,
    adminKeys: readonly string[],
  ) {
    this.admins = adminKeys.map((key, i) => ({
      key,
      caller: {
        keyId: `admin:${sha256Hex(key).slice(0, 8)}`,
        name: `admin key ${i + 1}`,
        role: 'admin',
        projects: 'all',
      },
    }));
  }

  /** No admin key configured: the API is the local operator's alone (it then serves loopback only). */
  get open(): boolean {
    return this.admins.length === 0;
  }

  /** The caller a request's key stands for; null when the key is missing (outside open mode), unknown or revoked. */
  async authenticate(token: string | null): Promise<Caller | null> {
    if (token === null || token === '') return this.open ? LOCAL_OPERATOR : null;
    // Every admin key is compared, so the time taken does not tell which one matched.
    let admin: Caller | null = null;
    for (const candidate of this.admins) if (sameSecret(candidate.key, token)) admin = candidate.caller;
    if (admin) return admin;
    const prefix = apiKeyPrefix(token);
    if (!prefix) return null;
    const row = await findLiveApiKey(this.sql, prefix);
    if (!row || !sameSecret(row.key_sha256, sha256Hex(token))) return null;
    // `last_used_at` is kept to the minute: a key used within it costs no write.
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_PRECISION_MS) {
      await touchApiKey(this.sql, row.id);
    }
    return { keyId: row.id, name: row.name, role: row.role, projects: row.projects };
  }

  /** The caller behind a key given to the SDK; the SDK's own connection (no key) is the operator's. */
  async sdkCaller(apiKey: string | undefined): Promise<Caller> {
    if (apiKey === undefined) return { ...LOCAL_OPERATOR, keyId: 'sdk', name: 'sdk' };
    const caller = await this.authenticate(apiKey);
    if (!caller) throw new InvalidApiKeyError();
    return caller;
  }
}

/** The key of an `Authorization: Bearer <key>` header, or of HTTP Basic (the password, any user name). */
export function presentedKey(authorization: string | undefined, allowBasic = false): string | null {
  if (!authorization) return null;
  if (authorization.startsWith('Bearer ')) return authorization.slice(7).trim();
  if (allowBasic && authorization.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}
