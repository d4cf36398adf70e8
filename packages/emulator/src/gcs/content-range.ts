// `Content-Range` of a resumable-upload PUT, as the storage SDK sends it:
// - `bytes */T` or `bytes */*`: a status probe (no body), or the final empty request when T is known;
// - `bytes A-B/T`, `bytes A-B/*`: one chunk (B inclusive), the total known or not yet;
// - `bytes A-*/T`, `bytes A-*/*`: the rest of the object in this one request, whatever its length.
export type UploadRange =
  | { kind: 'probe'; total: number | null }
  | { kind: 'data'; start: number; end: number | null; total: number | null };

const PATTERN = /^bytes (?:(\*)|(\d+)-(\d+|\*))\/(\d+|\*)$/;

/** A missing header means the whole object in one request. Null when the header is malformed. */
export function parseUploadRange(header: string | undefined): UploadRange | null {
  if (header === undefined || header.trim() === '') return { kind: 'data', start: 0, end: null, total: null };
  const match = PATTERN.exec(header.trim());
  if (!match) return null;
  const total = match[4] === '*' ? null : Number(match[4]);
  if (match[1] === '*') return { kind: 'probe', total };
  const start = Number(match[2]);
  const end = match[3] === '*' ? null : Number(match[3]);
  if (end !== null && end < start) return null;
  if (total !== null && end !== null && end >= total) return null;
  return { kind: 'data', start, end, total };
}

/** A download's `Range: bytes=A-B`, `bytes=A-` or `bytes=-N`, clamped to `size`; null to serve it all. */
export function parseDownloadRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
