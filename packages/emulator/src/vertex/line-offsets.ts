import { createReadStream } from 'node:fs';

export interface LocatedLine {
  /** Byte offset of the line in the file. */
  offset: number;
  /** Bytes, without the `\n`. */
  length: number;
  /** 1-based. */
  number: number;
  text: string;
}

const LF = 10;

/**
 * Non-blank lines of a file with their byte positions, a chunk's worth at a time, so a later pass can read any
 * line again without keeping the file in memory.
 */
export async function* linesWithOffsets(path: string): AsyncGenerator<LocatedLine[]> {
  let position = 0;
  let lineStart = 0;
  let number = 0;
  let carry: Buffer[] = [];
  const located = (bytes: Buffer): LocatedLine | null => {
    number += 1;
    const text = bytes.toString('utf8');
    if (text.trim() === '') return null;
    return { offset: lineStart, length: bytes.length, number, text };
  };
  for await (const raw of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const chunk = raw as Buffer;
    const lines: LocatedLine[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) break;
      const piece = chunk.subarray(start, newline);
      const bytes = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
      carry = [];
      const line = located(bytes);
      if (line) lines.push(line);
      lineStart = position + newline + 1;
      start = newline + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
    position += chunk.length;
    if (lines.length > 0) yield lines;
  }
  if (carry.length > 0) {
    const line = located(Buffer.concat(carry));
    if (line) yield [line];
  }
}
