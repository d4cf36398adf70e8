import type { JobResult } from '@tranche/contracts';
import { jobResultsCursor, type ResultLine, type Sql } from '@tranche/db';

export type { JobResult };

function toResult(row: ResultLine): JobResult {
  const status = row.status === 'succeeded' || row.status === 'failed' ? row.status : 'pending';
  return {
    custom_id: row.custom_id,
    id: row.id,
    status,
    output: status === 'succeeded' ? row.output : null,
    usage:
      row.input_tokens === null
        ? null
        : {
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens ?? 0,
            cached_tokens: row.cached_tokens ?? 0,
            cache_write_tokens: row.cache_write_tokens ?? 0,
          },
    cost_usd: row.cost_usd,
    sync_cost_usd: row.sync_cost_usd,
    price_version: row.price_version,
    error: status === 'failed' ? row.error : null,
  };
}

/** Every input of a job in input order, read from Postgres a page at a time. */
export async function* jobResults(sql: Sql, jobId: string): AsyncGenerator<JobResult> {
  for await (const page of jobResultsCursor(sql, jobId)) {
    for (const row of page) yield toResult(row);
  }
}
