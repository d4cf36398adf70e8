import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

const OPEN = Buffer.from('{"requests":[');
const CLOSE = Buffer.from(']}');
const NEWLINE = 0x0a;
const COMMA = 0x2c;

export interface InlineRequestsBody {
  body: ReadableStream<Uint8Array>;
  /** Exact byte length of `body`, sent as `Content-Length`. */
  bytes: number;
}

/**
 * The create call's JSON body, `{"requests":[line,line,...]}`, streamed from the request file (one
 * `{custom_id, params}` object per line) without parsing it: every newline but the last becomes a comma, byte for
 * byte. That is safe because a JSON text never holds a raw newline byte inside a value (JSON.stringify escapes it,
 * and no UTF-8 multi-byte sequence contains 0x0A), so each newline is a line end. The last newline stays as
 * whitespace before `]`. Memory: the stream's read buffers (1 MB each), whatever the chunk's size (up to 256 MB).
 */
export async function inlineRequestsBody(path: string): Promise<InlineRequestsBody> {
  const { size } = await stat(path);
  async function* pieces(): AsyncGenerator<Uint8Array> {
    yield OPEN;
    // A newline at the end of a read is held back until more bytes come: only then is it known not to be the last.
    let heldNewline = false;
    for await (const read of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      const bytes = read as Buffer;
      if (bytes.length === 0) continue;
      if (heldNewline) yield Buffer.of(COMMA);
      const endsWithNewline = bytes[bytes.length - 1] === NEWLINE;
      const body = endsWithNewline ? bytes.subarray(0, bytes.length - 1) : bytes;
      for (let at = body.indexOf(NEWLINE); at >= 0; at = body.indexOf(NEWLINE, at + 1)) body[at] = COMMA;
      yield body;
      heldNewline = endsWithNewline;
    }
    if (heldNewline) yield Buffer.of(NEWLINE);
    yield CLOSE;
  }
  return { body: ReadableStream.from(pieces()), bytes: OPEN.length + size + CLOSE.length };
}
