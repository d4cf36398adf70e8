import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

const CHUNK_BYTES = 512 * 1024;
const NEWLINE = 10;

/** Writes JSONL to disk, encoding lines straight into large chunks and honouring backpressure. */
export class JsonlWriter {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private failure: Error | null = null;
  private readonly stream: WriteStream;

  constructor(path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  /** Returns a promise only when the caller has to wait for the disk. */
  writeLine(line: string): Promise<void> | null {
    // UTF-16 code units never take more than 3 UTF-8 bytes each.
    const worstCase = line.length * 3 + 1;
    let flushing: Promise<void> | null = null;
    if (this.used + worstCase > this.chunk.length) flushing = this.flush();
    if (worstCase > this.chunk.length) {
      const encoded = Buffer.from(`${line}\n`, 'utf8');
      return chain(flushing, () => this.push(encoded));
    }
    this.used += this.chunk.write(line, this.used, 'utf8');
    this.chunk[this.used++] = NEWLINE;
    return flushing;
  }

  /** Resolves to the number of bytes written. */
  async close(): Promise<number> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
    return this.stream.bytesWritten;
  }

  private flush(): Promise<void> {
    if (this.used === 0) return this.failure ? Promise.reject(this.failure) : Promise.resolve();
    const full = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    return this.push(full);
  }

  private async push(bytes: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(bytes)) await once(this.stream, 'drain');
  }
}

function chain(first: Promise<void> | null, next: () => Promise<void>): Promise<void> {
  return first ? first.then(next) : next();
}

/** Writes these lines as a JSONL file at `path`, waiting for the disk as it goes. */
export async function writeJsonlFile(path: string, lines: Iterable<string>): Promise<void> {
  const writer = new JsonlWriter(path);
  for (const line of lines) {
    const waiting = writer.writeLine(line);
    if (waiting) await waiting;
  }
  await writer.close();
}
