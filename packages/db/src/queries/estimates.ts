import type { Sql } from '../client';

/** The most a job can still cost at batch rates (its worst case), counted against its project's budget. */
export async function setJobWorstCase(tx: Sql, jobId: string, worstCaseUsd: string | null): Promise<void> {
  await tx`update jobs set worst_case_usd = ${worstCaseUsd} where id = ${jobId}`;
}

/** The requests of a job's inputs that a replay found already done: they are not sent, so they cost nothing. */
export function skippedInputRequests(tx: Sql, jobId: string, pageSize = 1000) {
  return tx<{ request: Record<string, unknown> }[]>`
    select request from inputs where job_id = ${jobId} and state = 'skipped'`.cursor(pageSize);
}

/** Which of these custom ids already have a successful result (a replay would skip them). */
export async function succeededCustomIds(sql: Sql, customIds: string[]): Promise<Set<string>> {
  if (customIds.length === 0) return new Set();
  const rows = await sql<{ custom_id: string }[]>`
    select custom_id from results where status = 'succeeded' and custom_id = any(${customIds}::text[])`;
  return new Set(rows.map((r) => r.custom_id));
}
