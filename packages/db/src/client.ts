import postgres from 'postgres';

export type Sql = postgres.Sql;

export interface Database {
  sql: Sql;
  close(): Promise<void>;
}

/**
 * How connections reach Postgres: `session` (directly, or a pooler in session mode) or `transaction` (a pooler in
 * transaction mode, such as PgBouncer's `pool_mode = transaction`, where consecutive transactions of one connection
 * may run on different server connections).
 */
export type PoolMode = 'session' | 'transaction';

export interface ConnectOptions {
  max?: number;
  /** DATABASE_POOL_MODE; `session` unless said. */
  poolMode?: PoolMode;
}

/**
 * The queries are written in SQL through `postgres` (COPY, cursors and jsonb_to_recordset for the bulk paths); the
 * drizzle schema defines the tables and generates the migrations. No drizzle instance wraps this client: drizzle
 * replaces the client's JSON serializers with pass-throughs, which would break `sql.json`.
 */
export function connect(url: string, options: ConnectOptions = {}): Database {
  const transactionPooling = options.poolMode === 'transaction';
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // A named prepared statement lives on one server connection, which a pooler in transaction mode does not keep
    // for us (PgBouncer before 1.21 cannot track them at all). Unnamed statements are planned for their parameters
    // on every run, so the plan setting below is not needed then; poolers refuse it as a startup parameter anyway.
    prepare: !transactionPooling,
    // postgres.js prepares every statement, and after five runs Postgres may settle on a generic plan that ignores
    // which job or batch is asked for: on a 100,000-input job that turned a 1,000-row update by primary key into
    // a scan of the whole job (seconds instead of milliseconds). Our parameters are skewed; plan each run.
    connection: transactionPooling
      ? { application_name: 'tranche' }
      : { application_name: 'tranche', plan_cache_mode: 'force_custom_plan' },
    // Money is numeric (costs numeric(24,12), their rollups numeric(30,12), budgets numeric(18,6)): keep it exact,
    // as strings.
    types: { numeric: { to: 1700, from: [1700], serialize: String, parse: String } },
  });
  return { sql, close: () => sql.end({ timeout: 5 }) };
}
