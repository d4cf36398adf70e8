import { badRequest, invalidType } from './errors';
import type { ListBody } from './types';

/** Cursor page over items already in list order; `after` names the last id of the previous page. */
export function cursorPage<T extends { id: string }>(
  sorted: T[],
  after: string | undefined,
  limit: number,
): ListBody<T> {
  let start = 0;
  if (after !== undefined) {
    const index = sorted.findIndex((item) => item.id === after);
    start = index === -1 ? sorted.length : index + 1;
  }
  const data = sorted.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < sorted.length,
  };
}

export function queryString(value: unknown, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidType(param, 'a string', value);
  return value;
}

export function parseLimit(value: unknown, min: number, max: number, fallback: number): number {
  const raw = queryString(value, 'limit');
  if (raw === undefined || raw === '') return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit)) throw invalidType('limit', 'an integer', raw);
  if (limit < min) {
    throw badRequest(
      `Invalid 'limit': integer below minimum value. Expected a value >= ${min}, but got ${limit} instead.`,
      'limit',
      'integer_below_min_value',
    );
  }
  if (limit > max) {
    throw badRequest(
      `Invalid 'limit': integer above maximum value. Expected a value <= ${max}, but got ${limit} instead.`,
      'limit',
      'integer_above_max_value',
    );
  }
  return limit;
}
