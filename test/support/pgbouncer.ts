import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startBinary } from './binary-process';
import { freePort } from './ports';
import { waitFor } from './wait';

const PGBOUNCER_PATHS = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

export interface LocalPgBouncer {
  port: number;
  /** Figures of one database from `SHOW STATS` on the admin console: what went through the pooler. */
  stats(database: string): Promise<{ transactions: number; queries: number }>;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Where Postgres listens (the test server on loopback). */
  upstream: { host: string; port: number };
  /** Server connections per database and user: fewer than the clients hold, so that they are shared. */
  poolSize: number;
}

/** The installed pgbouncer, or an error that says how to install it (the test must fail, never skip). */
export function pgbouncerPath(): string {
  for (const path of PGBOUNCER_PATHS) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not there: the next place
    }
  }
  throw new Error(
    `pgbouncer is not installed (looked in ${PGBOUNCER_PATHS.join(', ')}): apt-get install pgbouncer`,
  );
}

/**
 * PgBouncer in transaction mode on a free loopback port, in front of every database of the test server (trust
 * authentication, as the server itself). Its files live in a temporary directory; as root it runs as `postgres`.
 */
export async function startPgBouncer(name: string, options: PgBouncerOptions): Promise<LocalPgBouncer> {
  const binary = pgbouncerPath();
  const dir = mkdtempSync(join(tmpdir(), 'tranche-pgbouncer-'));
  // The user it switches to reads its configuration from here.
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${options.upstream.host} port=${options.upstream.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'admin_users = postgres',
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      // Free server connections are taken in turn, not the last one used first: consecutive transactions of one
      // client then run on different server connections, so that anything left on a session shows.
      'server_round_robin = 1',
      'max_client_conn = 500',
      '',
    ].join('\n'),
  );
  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) args.unshift('-u', 'postgres');
  const server = startBinary(`${name}-pgbouncer`, binary, args);
  const admin = postgres({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'pgbouncer',
    max: 1,
    fetch_types: false,
    onnotice: () => {},
  });
  const stop = async () => {
    await admin.end({ timeout: 1 }).catch(() => {});
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('pgbouncer to take connections', async () => {
      if (server.child.exitCode !== null)
        throw new Error(`pgbouncer exited (see test-output/${name}-pgbouncer.log)`);
      await admin.unsafe('show version').simple();
      return true;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    async stats(database) {
      // The admin console speaks the simple query protocol only.
      const rows = await admin
        .unsafe<{ database: string; total_xact_count: string; total_query_count: string }[]>('show stats')
        .simple();
      const row = rows.find((r) => r.database === database);
      return {
        transactions: Number(row?.total_xact_count ?? 0),
        queries: Number(row?.total_query_count ?? 0),
      };
    },
    stop,
  };
}
