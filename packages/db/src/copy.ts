import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Sql } from './client';

type CopyValue = string | number | boolean | null | undefined | object;

/** COPY's text format: backslash, tab, newline and carriage return are escaped; null is \N. */
function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/**
 * Streams rows into a table with COPY: one round trip for any number of rows, and rows are serialised one at a
 * time so a job of 240 MB never sits in memory twice. When `rows` throws (a body over its limit, a client gone),
 * the COPY is aborted before the error goes on: a connection left in COPY mode would refuse every later query,
 * the transaction's rollback included.
 */
export async function copyRows(
  sql: Sql,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]> | AsyncIterable<readonly CopyValue[]>,
): Promise<number> {
  const stream = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  let count = 0;
  let buffer = '';
  try {
    for await (const row of rows) {
      buffer += `${row.map(copyField).join('\t')}\n`;
      count += 1;
      if (buffer.length > 1 << 20) {
        if (!stream.write(buffer)) await once(stream, 'drain');
        buffer = '';
      }
    }
  } catch (error) {
    stream.destroy(error as Error);
    await finished(stream).catch(() => {});
    throw error;
  }
  stream.end(buffer);
  await once(stream, 'finish');
  return count;
}
