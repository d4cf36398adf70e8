import { Transform, type TransformCallback } from 'node:stream';

const LF = 10;
const CR = 13;

/**
 * Counts the non-empty lines of a body fed chunk by chunk (a line of only `\r` is empty), holding nothing of it: how
 * every emulated provider counts the requests of an uploaded file or object.
 */
export class LineTally {
  private complete = 0;
  private lineHasContent = false;

  get lines(): number {
    return this.complete + (this.lineHasContent ? 1 : 0);
  }

  update(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline;
      const length = end - start;
      if (length > 1 || (length === 1 && chunk[start] !== CR)) this.lineHasContent = true;
      if (newline === -1) break;
      if (this.lineHasContent) this.complete += 1;
      this.lineHasContent = false;
      start = newline + 1;
    }
  }
}

/** Pass-through that counts bytes and non-empty lines, without holding more than one chunk. */
export class LineCounter extends Transform {
  bytes = 0;
  private readonly tally = new LineTally();

  get lines(): number {
    return this.tally.lines;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.tally.update(chunk);
    callback(null, chunk);
  }
}
