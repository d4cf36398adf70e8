export interface ListQuery {
  prefix: string;
  delimiter: string | null;
  maxResults: number;
  pageToken: string | null;
}

export interface ListPage<T> {
  items: T[];
  prefixes: string[];
  nextPageToken: string | null;
}

interface Cursor {
  /** The last name (or rolled-up prefix) the previous page ended on. */
  after: string;
  /** `after` was a prefix: skip every name under it too. */
  skipUnder: boolean;
}

/** GCS lists in UTF-8 byte order, which differs from UTF-16 order for characters beyond the BMP. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * One page of a bucket listing over objects sorted by name. Like GCS, `maxResults` bounds items and
 * prefixes together, and names under `prefix` that contain `delimiter` after it roll up into `prefixes`.
 */
export function listPage<T extends { name: string }>(sorted: T[], query: ListQuery): ListPage<T> {
  const cursor = query.pageToken ? decodeToken(query.pageToken) : null;
  const items: T[] = [];
  const prefixes: string[] = [];
  let last: Cursor | null = null;
  for (const object of sorted) {
    const { name } = object;
    if (!name.startsWith(query.prefix)) continue;
    if (cursor && isBeforeCursor(name, cursor)) continue;
    if (last?.skipUnder && name.startsWith(last.after)) continue;
    if (items.length + prefixes.length >= query.maxResults) {
      return { items, prefixes, nextPageToken: last ? encodeToken(last) : null };
    }
    const rolled = rolledUpPrefix(name, query.prefix, query.delimiter);
    if (rolled !== null) {
      prefixes.push(rolled);
      last = { after: rolled, skipUnder: true };
    } else {
      items.push(object);
      last = { after: name, skipUnder: false };
    }
  }
  return { items, prefixes, nextPageToken: null };
}

function rolledUpPrefix(name: string, prefix: string, delimiter: string | null): string | null {
  if (!delimiter) return null;
  const at = name.indexOf(delimiter, prefix.length);
  return at === -1 ? null : name.slice(0, at + delimiter.length);
}

function isBeforeCursor(name: string, cursor: Cursor): boolean {
  if (cursor.skipUnder && name.startsWith(cursor.after)) return true;
  return compareNames(name, cursor.after) <= 0;
}

function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.after, cursor.skipUnder ? 1 : 0]), 'utf8').toString('base64url');
}

function decodeToken(token: string): Cursor | null {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'string') {
      return { after: value[0], skipUnder: value[1] === 1 };
    }
  } catch {
    // fall through
  }
  return null;
}

export function isValidPageToken(token: string): boolean {
  return decodeToken(token) !== null;
}
