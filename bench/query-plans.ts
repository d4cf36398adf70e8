/**
 * EXPLAIN ANALYZE of the statements a read path really sends: the path runs once through a client that
 * records each statement and its parameters (postgres.js `debug`), then each is explained with the same values.
 */
import type { Sql } from '@tranche/db';
import postgres from 'postgres';

export interface StatementPlan {
  /** The statement, whitespace collapsed. */
  statement: string;
  executionMs: number;
  plan: string;
}

/** A client configured like `connect()` in @tranche/db (custom plans, numerics as strings) that records. */
function recordingClient(url: string, record: (statement: string, parameters: unknown[]) => void): Sql {
  return postgres(url, {
    max: 10,
    onnotice: () => {},
    connection: { application_name: 'tranche-bench-explain', plan_cache_mode: 'force_custom_plan' },
    types: { numeric: { to: 1700, from: [1700], serialize: String, parse: String } },
    debug: (_connection, statement, parameters) => record(statement, parameters),
  });
}

/** Runs `path` once and explains every statement it sent, slowest first. */
export async function explainPath(
  url: string,
  path: (sql: Sql) => Promise<unknown>,
): Promise<StatementPlan[]> {
  const sent: Array<{ statement: string; parameters: unknown[] }> = [];
  let recording = true;
  const sql = recordingClient(url, (statement, parameters) => {
    // postgres.js reads the server's types on connecting: not part of the path.
    if (recording && !statement.includes('pg_catalog.pg_type')) sent.push({ statement, parameters });
  });
  try {
    await path(sql);
    recording = false;
    const plans: StatementPlan[] = [];
    for (const { statement, parameters } of sent) {
      const rows = await sql.unsafe<Array<{ 'QUERY PLAN': string }>>(
        `explain (analyze, buffers) ${statement}`,
        parameters as postgres.ParameterOrJSON<never>[],
      );
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN);
      plans.push({ statement: statement.replace(/\s+/g, ' ').trim(), executionMs, plan });
    }
    return plans.sort((a, b) => b.executionMs - a.executionMs);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
