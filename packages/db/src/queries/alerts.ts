import type { Sql } from '../client';

export const ALERT_KINDS = ['job_timed_out', 'batch_stuck', 'budget_80', 'budget_100'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface NewAlert {
  kind: AlertKind;
  /** Raising the same key again is a no-op: this is what makes an alert fire once per event. */
  dedupeKey: string;
  message: string;
  project?: string | null;
  jobId?: string | null;
  batchId?: string | null;
  details?: Record<string, unknown>;
}

export interface AlertRow {
  id: number;
  kind: AlertKind;
  dedupe_key: string;
  project: string | null;
  job_id: string | null;
  batch_id: string | null;
  message: string;
  details: Record<string, unknown>;
  created_at: Date;
}

// The id is a bigint, which postgres.js reads as a string: a number is exact up to 2^53 alerts.
const ALERT_COLUMNS =
  'id::float8 as id, kind, dedupe_key, project, job_id, batch_id, message, details, created_at';

/** Inserts the alert unless its dedupe key was raised before; returns the row only to the caller that inserted it. */
export async function insertAlert(sql: Sql, alert: NewAlert): Promise<AlertRow | null> {
  const [row] = await sql<AlertRow[]>`
    insert into alerts (kind, dedupe_key, project, job_id, batch_id, message, details)
    values (${alert.kind}, ${alert.dedupeKey}, ${alert.project ?? null}, ${alert.jobId ?? null},
            ${alert.batchId ?? null}, ${alert.message}, ${sql.json((alert.details ?? {}) as never)})
    on conflict (dedupe_key) do nothing
    returning ${sql.unsafe(ALERT_COLUMNS)}`;
  return row ?? null;
}

export async function getAlert(sql: Sql, id: number): Promise<AlertRow | null> {
  const [row] = await sql<AlertRow[]>`select ${sql.unsafe(ALERT_COLUMNS)} from alerts where id = ${id}`;
  return row ?? null;
}

/** Alerts raised in the last `withinS` seconds, oldest first: the sweeper re-queues their deliveries. */
export async function recentAlertIds(sql: Sql, withinS: number): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select id::float8 as id from alerts where created_at > now() - make_interval(secs => ${withinS})
    order by id`;
  return rows.map((r) => r.id);
}
