import { randomBase62 } from '../core/ids';
import { cursorPage } from './pagination';
import type { ListBody, WireFile } from './types';

export interface StoredFile {
  seq: number;
  object: WireFile;
  path: string;
  /** Non-empty lines in the file. */
  lines: number;
}

export function newFileId(): string {
  return `file-${randomBase62(22)}`;
}

export interface FileListQuery {
  purpose: string | undefined;
  order: 'asc' | 'desc';
  after: string | undefined;
  limit: number;
}

export class FileRegistry {
  private readonly files = new Map<string, StoredFile>();
  private seq = 0;

  add(object: WireFile, path: string, lines: number): StoredFile {
    const stored = { seq: this.seq++, object, path, lines };
    this.files.set(object.id, stored);
    return stored;
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  delete(id: string): StoredFile | undefined {
    const stored = this.files.get(id);
    this.files.delete(id);
    return stored;
  }

  list(query: FileListQuery): ListBody<WireFile> {
    const matching = [...this.files.values()]
      .filter((file) => query.purpose === undefined || file.object.purpose === query.purpose)
      .sort((a, b) => (query.order === 'asc' ? a.seq - b.seq : b.seq - a.seq))
      .map((file) => file.object);
    return cursorPage(matching, query.after, query.limit);
  }

  /** Forgets every file and returns their paths. */
  clear(): string[] {
    const paths = [...this.files.values()].map((file) => file.path);
    this.files.clear();
    return paths;
  }
}
