import postgres from 'postgres';

export type Sql = postgres.Sql;

export interface Database {
  sql: Sql;
  close(): Promise<void>;
}

/**
 * The queries are written in SQL through `postgres` (COPY, cursors and jsonb_to_recordset for the bulk paths); the
 * drizzle schema defines the tables and generates the migrations. No drizzle instance wraps this client: drizzle
 * replaces the client's JSON serializers with pass-throughs, which would break `sql.json`.
 */
export function connect(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // postgres.js prepares every statement, and after five runs Postgres may settle on a generic plan that ignores
    // which job or batch is asked for: on a 100,000-input job that turned a 1,000-row update by primary key into
    // a scan of the whole job (seconds instead of milliseconds). Our parameters are skewed; plan each run.
    connection: { application_name: 'tranche', plan_cache_mode: 'force_custom_plan' },
    // Money is numeric (costs numeric(24,12), their rollups numeric(30,12), budgets numeric(18,6)): keep it exact,
    // as strings.
    types: { numeric: { to: 1700, from: [1700], serialize: String, parse: String } },
  });
  return { sql, close: () => sql.end({ timeout: 5 }) };
}
