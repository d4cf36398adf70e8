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
    // Costs are numeric(18,9): keep them exact, as strings.
    types: { numeric: { to: 1700, from: [1700], serialize: String, parse: String } },
  });
  return { sql, close: () => sql.end({ timeout: 5 }) };
}
