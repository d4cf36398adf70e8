import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomHex } from './ids';

/** Files on disk (uploads and results), in a folder of their own that the emulator removes on close. */
export class BlobStore {
  private constructor(readonly dir: string) {}

  static async open(parent?: string): Promise<BlobStore> {
    const base = parent ?? tmpdir();
    await mkdir(base, { recursive: true });
    return new BlobStore(await mkdtemp(join(base, 'tranche-emulator-')));
  }

  newPath(label: string): string {
    return join(this.dir, `${label}-${randomHex(16)}`);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /** Removes the files in the background; one already gone is no error. */
  discard(paths: Iterable<string>): void {
    for (const path of paths) void this.remove(path).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
