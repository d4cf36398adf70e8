import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchAdapter, BatchContext, UnifiedRequest } from '@tranche/adapters';
import { batchRequestsCursor, type Sql } from '@tranche/db';

const PAGE_BYTES = 4 * 1024 * 1024;

export interface RequestFile {
  path: string;
  requestCount: number;
  bytes: number;
  remove(): Promise<void>;
}

/**
 * Streams one batch's requests from Postgres into a temporary file of provider lines, a page at a time: the file
 * can be hundreds of megabytes, the worker's memory holds one page.
 */
export async function writeRequestFile(
  sql: Sql,
  batch: { id: string; bytes: number; request_count: number },
  adapter: BatchAdapter,
  context: BatchContext,
): Promise<RequestFile> {
  const batchId = batch.id;
  // Pages of about 4 MB: many short prompts per round trip, few heavy documents in memory at once.
  const averageBytes = Math.max(1, Number(batch.bytes) / Math.max(1, batch.request_count));
  const pageSize = Math.max(20, Math.min(5_000, Math.floor(PAGE_BYTES / averageBytes)));
  const dir = await mkdtemp(join(tmpdir(), 'tranche-'));
  const path = join(dir, `${batchId}.jsonl`);
  const out = createWriteStream(path);
  let requestCount = 0;
  let bytes = 0;
  try {
    for await (const page of batchRequestsCursor(sql, batchId, pageSize)) {
      let text = '';
      for (const row of page) {
        text += `${adapter.encodeLine(row.custom_id, row.request as UnifiedRequest, context)}\n`;
        requestCount += 1;
      }
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { path, requestCount, bytes, remove: () => rm(dir, { recursive: true, force: true }) };
}
