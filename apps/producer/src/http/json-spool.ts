import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A body up to this size is kept in memory; a larger one goes to a file as it arrives. */
const IN_MEMORY_BYTES = 1024 * 1024;

/**
 * A copy of a JSON body, for when its inputs must be read a second time: the job's fields came after them, and
 * the inputs were taken before the job was known. Up to 1 MiB in memory, beyond that in a temporary file
 * (os.tmpdir(), readable by this user only) written as the body arrives, one write in flight at a time; removed
 * by `remove` (the route's `finally`).
 */
export class BodySpool {
  private readonly path = join(
    tmpdir(),
    `tranche-json-body-${process.pid}-${randomBytes(8).toString('hex')}`,
  );
  private held: Buffer[] | null = [];
  private heldBytes = 0;
  private file: Promise<FileHandle> | null = null;
  private writing: Promise<unknown> = Promise.resolve();
  private ended = false;
  /** Why the copy is incomplete (a full disk): only a second reading needs it, so only that fails. */
  private failure: Error | null = null;

  /** Appends `chunk` (not copied: the caller never changes it). */
  async write(chunk: Buffer): Promise<void> {
    if (this.held) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes <= IN_MEMORY_BYTES) return;
      chunk = Buffer.concat(this.held);
      this.held = null;
    }
    if (this.failure) return;
    this.file ??= open(this.path, 'wx', 0o600);
    await this.writing;
    try {
      const file = await this.file;
      this.writing = file.write(chunk).catch((error: Error) => {
        this.failure ??= error;
      });
    } catch (error) {
      this.failure ??= error as Error;
    }
  }

  /** Waits for the last write and closes the file: what was written can be read back. */
  async finish(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.writing;
    await (await this.file?.catch(() => null))?.close();
  }

  /** The body as it was written. */
  chunks(): AsyncIterable<Buffer> {
    if (!this.ended) throw new Error('the copy of the body is still being written');
    if (this.held)
      return (async function* (held: Buffer[]) {
        yield* held;
      })(this.held);
    if (this.failure)
      throw new Error(`the JSON body could not be kept for a second reading: ${this.failure.message}`);
    return createReadStream(this.path, { highWaterMark: 64 * 1024 });
  }

  async remove(): Promise<void> {
    this.held = null;
    await this.finish().catch(() => {});
    if (this.file) await rm(this.path, { force: true });
  }
}
