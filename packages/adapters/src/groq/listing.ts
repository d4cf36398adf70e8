import type OpenAI from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { UploadedFileQuery } from '../openai/uploaded-file';

/** `GET /batches` as Groq answers it: no `has_more`, the next page's `cursor` in `paging.next_cursor`. */
interface GroqBatchPage {
  data?: Batch[];
  paging?: { next_cursor?: string | null } | null;
}

/**
 * Groq's batch list, a page at a time. The SDK's own `batches.list()` cannot read it past the first page: it pages
 * with `after` while `has_more`, and Groq sends no `has_more` and pages with `cursor`. A cursor seen before ends the
 * list rather than reading it again.
 */
export async function* groqBatchPages(client: OpenAI): AsyncIterable<readonly Batch[]> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await client.get<GroqBatchPage>(
      '/batches',
      cursor === undefined ? {} : { query: { cursor } },
    );
    yield page.data ?? [];
    const next = page.paging?.next_cursor;
    if (!next || seen.has(next)) return;
    seen.add(next);
    cursor = next;
  }
}

/** A file as Groq describes it: no `status` (a file is usable once its upload answered), every field optional. */
interface GroqFile {
  id?: string;
  bytes?: number;
  created_at?: number;
  filename?: string;
  purpose?: string;
}

/**
 * The request file an earlier attempt uploaded for the chunk, if Groq lists it: the newest batch file with the
 * chunk's name and size, uploaded since the chunk was planned. Groq documents its files list with no paging and no
 * order, so the one list it answers is read whole and in any order (no query is sent: it documents none). A file
 * the list leaves out is uploaded again, which costs an orphan file Groq drops after 30 days, never a second batch.
 */
export async function findGroqUploadedFile(client: OpenAI, query: UploadedFileQuery): Promise<string | null> {
  const { data } = await client.get<{ data?: GroqFile[] }>('/files');
  let newest: { id: string; createdAt: number } | null = null;
  for (const file of data ?? []) {
    const createdAt = file.created_at ?? 0;
    if (
      file.id &&
      file.purpose === 'batch' &&
      file.filename === query.filename &&
      file.bytes === query.bytes &&
      createdAt >= query.since &&
      (newest === null || createdAt > newest.createdAt)
    ) {
      newest = { id: file.id, createdAt };
    }
  }
  return newest?.id ?? null;
}
