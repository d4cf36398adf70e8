import { badRequest } from './errors';
import type { ListBody } from './types';

export interface ListQuery {
  beforeId: string | undefined;
  afterId: string | undefined;
  limit: number;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const beforeId = optionalString(query.before_id, 'before_id');
  const afterId = optionalString(query.after_id, 'after_id');
  if (beforeId !== undefined && afterId !== undefined) {
    throw badRequest('before_id and after_id cannot both be set');
  }
  const raw = optionalString(query.limit, 'limit');
  const limit = raw === undefined || raw === '' ? DEFAULT_LIMIT : Number(raw);
  if (!Number.isInteger(limit)) throw badRequest('limit: Input should be a valid integer');
  if (limit < 1) throw badRequest('limit: Input should be greater than or equal to 1');
  if (limit > MAX_LIMIT) throw badRequest(`limit: Input should be less than or equal to ${MAX_LIMIT}`);
  return { beforeId, afterId, limit };
}

/**
 * A page of `newestFirst`: `after_id` pages toward older items, `before_id` toward newer ones (the `limit`
 * items just before the cursor). An unknown cursor gives an empty page.
 */
export function page<T extends { id: string }>(newestFirst: T[], query: ListQuery): ListBody<T> {
  const { beforeId, afterId, limit } = query;
  let start = 0;
  let end = Math.min(limit, newestFirst.length);
  let hasMore = end < newestFirst.length;
  const cursor = afterId ?? beforeId;
  if (cursor !== undefined) {
    const at = newestFirst.findIndex((item) => item.id === cursor);
    if (at === -1) {
      start = end = 0;
      hasMore = false;
    } else if (afterId !== undefined) {
      start = at + 1;
      end = Math.min(start + limit, newestFirst.length);
      hasMore = end < newestFirst.length;
    } else {
      end = at;
      start = Math.max(0, end - limit);
      hasMore = start > 0;
    }
  }
  const data = newestFirst.slice(start, end);
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name}: Input should be a valid string`);
  return value;
}
