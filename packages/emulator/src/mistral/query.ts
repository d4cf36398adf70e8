import { unprocessable } from './errors';

/** One query value as a string; a repeated key (an array) is a 422 like FastAPI's. */
export function queryString(value: unknown, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw unprocessable(`Query parameter '${param}' must be a single value.`, param);
  return value;
}

/** Every value of a query key that may repeat (`status=A&status=B`). */
export function queryStrings(value: unknown, param: string): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.map((item) => {
    if (typeof item !== 'string') throw unprocessable(`Query parameter '${param}' must be a string.`, param);
    return item;
  });
}

export function queryInt(value: unknown, param: string, min: number, max: number, fallback: number): number {
  const raw = queryString(value, param);
  if (raw === undefined || raw === '') return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw unprocessable(`Query parameter '${param}' must be an integer between ${min} and ${max}.`, param);
  }
  return parsed;
}

export function queryBoolean(value: unknown, param: string): boolean | undefined {
  const raw = queryString(value, param);
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw unprocessable(`Query parameter '${param}' must be true or false.`, param);
}
