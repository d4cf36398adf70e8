import type { Sql } from '../client';

export const FAILURE_EXAMPLES_DEFAULT = 3;
export const FAILURE_EXAMPLES_MAX = 20;

export interface FailureExample {
  custom_id: string;
  /** The caller's own id for the input, if it gave one. */
  input_id: string | null;
  /** The error's message, as the provider (or Tranche) gave it. */
  error: string;
}

export interface FailureReason {
  /** The error's type, as the reconciliation's `failed_by_reason` names it (`unknown` when it has none). */
  reason: string;
  count: number;
  /** The first few failed inputs of the reason, in input order. */
  examples: FailureExample[];
}

export interface JobFailures {
  job_id: string;
  failed: number;
  /** Most frequent first. */
  reasons: FailureReason[];
}

interface Row {
  reason: string;
  count: number;
  custom_id: string;
  input_id: string | null;
  error: string | null;
}

/**
 * The job's failed requests grouped by reason, with up to `examples` of each (0..20). The reason and the count are
 * the reconciliation's (queries/jobs.ts reconcile: the type of the input's last error), so the two always agree;
 * the examples carry the error's message.
 */
export async function jobFailures(
  sql: Sql,
  jobId: string,
  examples = FAILURE_EXAMPLES_DEFAULT,
): Promise<JobFailures> {
  const wanted = Math.min(FAILURE_EXAMPLES_MAX, Math.max(0, Math.trunc(examples)));
  // One row per reason at least, even when no example is asked for: the first carries the count.
  const rows = await sql<Row[]>`
    select reason, count, custom_id, input_id, error from (
      select coalesce(i.last_error->>'type', 'unknown') as reason, i.custom_id, i.caller_id as input_id,
             i.last_error->>'message' as error, i.seq,
             row_number() over (partition by coalesce(i.last_error->>'type', 'unknown') order by i.seq) as nth,
             count(*) over (partition by coalesce(i.last_error->>'type', 'unknown'))::int as count
      from inputs i where i.job_id = ${jobId} and i.state = 'failed') failed
    where nth <= ${Math.max(1, wanted)}
    order by count desc, reason, seq`;
  const reasons: FailureReason[] = [];
  for (const row of rows) {
    let group = reasons.at(-1);
    if (group?.reason !== row.reason) {
      group = { reason: row.reason, count: row.count, examples: [] };
      reasons.push(group);
    }
    if (group.examples.length < wanted)
      group.examples.push({ custom_id: row.custom_id, input_id: row.input_id, error: row.error ?? '' });
  }
  return { job_id: jobId, failed: reasons.reduce((sum, r) => sum + r.count, 0), reasons };
}
