import type { RequestHandler } from 'express';
import type { BatchService } from '../openai/batch-service';
import { badRequest, invalidType } from '../openai/errors';
import type { WireBatch } from '../openai/types';

/** Batches a page: Groq documents no page size and no `limit`, so the emulator picks one and ignores `limit`. */
export const GROQ_BATCH_PAGE = 20;
/** "You can only request up to 200 batch IDs in a single request." */
const MAX_IDS = 200;

/** A cursor as Groq's example shows one: `cursor_` and base64 of `{"id": <the page's last batch>}`. */
function cursorAfter(id: string): string {
  return `cursor_${Buffer.from(JSON.stringify({ id })).toString('base64url')}`;
}

function idOfCursor(cursor: string): string {
  const encoded = /^cursor_([A-Za-z0-9_-]+)$/.exec(cursor)?.[1];
  let id: unknown;
  try {
    id =
      encoded === undefined
        ? undefined
        : (JSON.parse(Buffer.from(encoded, 'base64url').toString()) as { id?: unknown }).id;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string') throw badRequest(`Invalid cursor: '${cursor}'.`, 'cursor', 'invalid_value');
  return id;
}

function ids(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((id): id is string => typeof id === 'string')) throw invalidType('id', 'a string', value);
  if (list.length > MAX_IDS) {
    throw badRequest(`At most ${MAX_IDS} batch ids may be requested at once.`, 'id', 'invalid_value');
  }
  return list;
}

/**
 * Groq's `GET /batches`: `?id=a&id=b` answers those batches (up to 200, unknown ones left out); otherwise the list a
 * page at a time, newest first (the order is not documented), `{object: "list", data, paging: {next_cursor}}` and
 * `?cursor=<next_cursor>` for the next page. No `has_more`, `first_id` or `last_id`: the last page has no
 * `next_cursor`.
 */
export function groqBatchList(batches: BatchService): RequestHandler {
  return async (req, res) => {
    const wanted = ids(req.query.id);
    if (wanted) {
      const set = new Set(wanted);
      res.json({ object: 'list', data: await batches.listAll((id) => set.has(id)) });
      return;
    }
    const cursor = req.query.cursor;
    if (cursor !== undefined && typeof cursor !== 'string') throw invalidType('cursor', 'a string', cursor);
    const after = cursor ? idOfCursor(cursor) : undefined;
    const all: WireBatch[] = await batches.listAll();
    let from = 0;
    if (after !== undefined) {
      // A cursor whose batch is gone (after a reset) starts past the end: an empty last page.
      const index = all.findIndex((batch) => batch.id === after);
      from = index === -1 ? all.length : index + 1;
    }
    const data = all.slice(from, from + GROQ_BATCH_PAGE);
    const more = from + GROQ_BATCH_PAGE < all.length;
    res.json({ object: 'list', data, paging: more ? { next_cursor: cursorAfter(data.at(-1)!.id) } : {} });
  };
}
