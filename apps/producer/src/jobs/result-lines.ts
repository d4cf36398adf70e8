import type { JobResult } from '@tranche/contracts';
import { float32Array, jobResultsCursor, joinEmbedding, type ResultLine, type Sql } from '@tranche/db';
import { NdjsonText } from '../http/ndjson-stream';

export type { JobResult };

/** Rows read from Postgres at a time: 250 vectors of 1,536 values are about 2 MB on the wire. */
const pageRowsOf = (kind: 'chat' | 'embedding') => (kind === 'embedding' ? 250 : undefined);

function toResult(row: ResultLine, output: unknown): JobResult {
  const status = row.status === 'succeeded' || row.status === 'failed' ? row.status : 'pending';
  return {
    custom_id: row.custom_id,
    id: row.id,
    status,
    output: status === 'succeeded' ? output : null,
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
export async function* jobResults(
  sql: Sql,
  jobId: string,
  kind: 'chat' | 'embedding' = 'chat',
): AsyncGenerator<JobResult> {
  for await (const page of jobResultsCursor(sql, jobId, pageRowsOf(kind))) {
    // An embedding comes back as the array of numbers it was: each float32 value exactly.
    for (const row of page) yield toResult(row, joinEmbedding(row.output, row.embedding));
  }
}

/** About this much NDJSON is handed to the socket at a time: a write per line costs more than the line. */
const TEXT_CHUNK_CHARS = 256 * 1024;

const OUTPUT_SLOT = '"output":null';

/**
 * The same lines as `jobResults`, as NDJSON text a few hundred KB at a time: what `GET /v1/jobs/:id/results` sends.
 * An embedding line is written around its vector, which goes from its float32 bytes to JSON in one pass (a 1,536
 * value vector is about 30 KB of text; building the object first and serialising it again cost a third more).
 */
export async function* jobResultsNdjson(
  sql: Sql,
  jobId: string,
  kind: 'chat' | 'embedding',
): AsyncGenerator<NdjsonText> {
  let text = '';
  for await (const page of readAhead(jobResultsCursor(sql, jobId, pageRowsOf(kind)))) {
    for (const row of page) {
      text += lineText(row);
      if (text.length >= TEXT_CHUNK_CHARS) {
        yield new NdjsonText(text);
        text = '';
      }
    }
  }
  if (text.length > 0) yield new NdjsonText(text);
}

/**
 * The pages of a cursor, the next one asked for before the current one is handed on: Postgres reads and sends it
 * while this process formats the current one. A postgres.js cursor fetches its next page when `next()` is called; a
 * reader that stops early is closed once the page in flight has come (closing before would leave the cursor waiting).
 */
async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = pages[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = iterator.next();
  try {
    for (;;) {
      const current: IteratorResult<T> = await pending;
      pending = null;
      if (current.done) return;
      pending = iterator.next();
      yield current.value;
    }
  } finally {
    if (pending) {
      const last = await pending.catch(() => ({ done: true, value: undefined }));
      if (!last.done) await iterator.return?.();
    }
  }
}

function lineText(row: ResultLine): string {
  if (row.embedding === null || row.status !== 'succeeded') {
    return `${JSON.stringify(toResult(row, row.output))}\n`;
  }
  // `"output":null` appears once outside any string (a quote inside a string is escaped): the vector goes there.
  const line = JSON.stringify(toResult(row, null));
  const slot = line.indexOf(OUTPUT_SLOT);
  const rest =
    row.output !== null && typeof row.output === 'object' && Object.keys(row.output).length > 0
      ? `${JSON.stringify(row.output).slice(1, -1)},`
      : '';
  const output = `"output":{${rest}"embedding":${JSON.stringify(float32Array(row.embedding))}}`;
  return `${line.slice(0, slot)}${output}${line.slice(slot + OUTPUT_SLOT.length)}\n`;
}
