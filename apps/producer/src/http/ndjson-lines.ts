/** A line over the limit: its bytes are dropped as they stream by, only its length is kept. */
export class OversizedLine {
  constructor(readonly bytes: number) {}
}

/**
 * Splits a byte stream into lines (on `\n`; a `\r` before it is JSON whitespace). A line never holds more than
 * `maxLineBytes` in memory: a longer one comes out as an `OversizedLine`, however long it goes on.
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<string | OversizedLine> {
  let parts: Buffer[] = [];
  let size = 0;
  const take = (piece: Buffer) => {
    size += piece.length;
    if (size <= maxLineBytes) parts.push(piece);
    else parts = [];
  };
  const finish = (): string | OversizedLine => {
    // `\n` never occurs inside a multi-byte UTF-8 sequence: a line's bytes decode on their own.
    const line = size > maxLineBytes ? new OversizedLine(size) : Buffer.concat(parts, size).toString('utf8');
    parts = [];
    size = 0;
    return line;
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, end));
      yield finish();
      start = end + 1;
    }
    if (start < chunk.length) take(chunk.subarray(start));
  }
  if (size > 0) yield finish();
}
