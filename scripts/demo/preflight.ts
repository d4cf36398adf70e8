import { Redis } from 'ioredis';
import postgres from 'postgres';

const START_HINT = 'Start Postgres and Redis with:  docker compose up -d postgres redis';

export class PreflightError extends Error {}

/** The URL with its password masked, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  // Node wraps "localhost resolves to ::1 and 127.0.0.1, both refused" in an AggregateError with no message.
  const message = e?.message || e?.errors?.map((x) => x.message).join('; ') || String(error);
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

async function tryPostgres(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, idle_timeout: 1, onnotice: () => {} });
  try {
    await sql`select 1`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * Postgres must answer at `url`. If the server answers but the database does not exist, it is created through the
 * `postgres` maintenance database. Returns whether it was created.
 */
export async function ensurePostgres(url: string): Promise<{ created: boolean }> {
  try {
    await tryPostgres(url);
    return { created: false };
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') {
      throw new PreflightError(
        `Postgres is not reachable at ${safeUrl(url)} (${reason(error)}).\n  ${START_HINT}\n  or set DATABASE_URL to a Postgres you can reach.`,
      );
    }
  }
  const name = databaseOf(url);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = postgres(maintenance.toString(), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    // 42P04: someone else created it meanwhile, which is fine.
    if ((error as { code?: string }).code !== '42P04') {
      throw new PreflightError(
        `Postgres answers at ${safeUrl(url)} but database "${name}" does not exist and could not be created (${reason(error)}).\n  Create it yourself (createdb ${name}) or point DATABASE_URL at an existing database.`,
      );
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
  return { created: true };
}

export async function ensureRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let last: unknown = null;
  redis.on('error', (error) => {
    last = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new PreflightError(
      `Redis is not reachable at ${safeUrl(url)} (${reason(last ?? error)}).\n  ${START_HINT}\n  or set REDIS_URL to a Redis you can reach.`,
    );
  } finally {
    redis.disconnect();
  }
}
