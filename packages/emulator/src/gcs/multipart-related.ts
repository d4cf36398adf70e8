/**
 * A streaming reader for the `multipart/related` body of a `uploadType=multipart` upload: part 1 is the object
 * metadata (JSON, kept in memory), part 2 the object bytes (handed on chunk by chunk, never buffered whole).
 * Layout (gaxios): `--B\r\nContent-Type: X\r\n\r\n<metadata>\r\n--B\r\nContent-Type: Y\r\n\r\n<bytes>\r\n--B--`.
 */

export interface RelatedUpload {
  metadata: string;
  mediaContentType: string | null;
}

export class MultipartError extends Error {}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_METADATA_BYTES = 1024 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

type State = 'preamble' | 'headers' | 'body' | 'after-delimiter' | 'done';

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/related/i.test(contentType)) return null;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

export async function readRelatedUpload(
  body: AsyncIterable<Buffer>,
  boundary: string,
  writeMedia: (chunk: Buffer) => Promise<void>,
): Promise<RelatedUpload> {
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let pending: Buffer = Buffer.alloc(0);
  let state = 'preamble' as State;
  let part = -1;
  const metadata: Buffer[] = [];
  let metadataBytes = 0;
  let mediaContentType: string | null = null;

  const emit = async (bytes: Buffer) => {
    if (bytes.length === 0) return;
    if (part === 0) {
      metadataBytes += bytes.length;
      if (metadataBytes > MAX_METADATA_BYTES) throw new MultipartError('The metadata part is too large.');
      metadata.push(bytes);
    } else if (part === 1) {
      await writeMedia(bytes);
    } else {
      throw new MultipartError('A multipart upload has exactly two parts: metadata, then media.');
    }
  };

  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = pending.indexOf(opening);
        if (at === -1) return false;
        pending = pending.subarray(at + opening.length);
        state = 'after-delimiter';
        return true;
      }
      case 'after-delimiter': {
        if (pending.length < 2) return false;
        if (pending[0] === 0x2d && pending[1] === 0x2d) {
          state = 'done';
          return false;
        }
        const eol = pending.indexOf(CRLF);
        if (eol === -1) return false;
        pending = pending.subarray(eol + 2);
        part += 1;
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = pending.indexOf(HEADER_END);
        // A part without headers starts right after the delimiter line.
        if (pending.subarray(0, 2).equals(CRLF)) {
          pending = pending.subarray(2);
          state = 'body';
          return true;
        }
        if (end === -1) {
          if (pending.length > MAX_HEADER_BYTES) throw new MultipartError('Part headers are too long.');
          return false;
        }
        const headers = pending.subarray(0, end).toString('latin1');
        const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? null;
        if (part === 1) mediaContentType = type;
        pending = pending.subarray(end + HEADER_END.length);
        state = 'body';
        return true;
      }
      case 'body': {
        const at = pending.indexOf(delimiter);
        if (at !== -1) {
          await emit(pending.subarray(0, at));
          pending = pending.subarray(at + delimiter.length);
          state = 'after-delimiter';
          return true;
        }
        // Keep just enough to recognise a delimiter that straddles two chunks.
        const keep = Math.min(pending.length, delimiter.length - 1);
        await emit(pending.subarray(0, pending.length - keep));
        pending = pending.subarray(pending.length - keep);
        return false;
      }
      default:
        return false;
    }
  };

  for await (const chunk of body) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (await step()) {
      // keep going while a step made progress
    }
  }
  if (state !== 'done') throw new MultipartError('The multipart body ended before its closing boundary.');
  if (part < 1) throw new MultipartError('The multipart body has no media part.');
  return { metadata: Buffer.concat(metadata).toString('utf8'), mediaContentType };
}
