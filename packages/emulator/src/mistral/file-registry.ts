import { randomUUID } from 'node:crypto';
import type { FileList, WireFile } from './types';

export interface StoredFile {
  seq: number;
  object: WireFile;
  path: string;
}

export interface FileListQuery {
  page: number;
  pageSize: number;
  purpose?: string;
  sampleType?: string;
  source?: string;
  search?: string;
}

export function newFileId(): string {
  return randomUUID();
}

/** Uploaded request files and the result files jobs write; newest first in lists. */
export class FileRegistry {
  private readonly files = new Map<string, StoredFile>();
  private seq = 0;

  add(object: WireFile, path: string): StoredFile {
    const stored = { seq: this.seq++, object, path };
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

  list(query: FileListQuery): FileList {
    const matching = [...this.files.values()]
      .filter(
        ({ object }) =>
          (query.purpose === undefined || object.purpose === query.purpose) &&
          (query.sampleType === undefined || object.sample_type === query.sampleType) &&
          (query.source === undefined || object.source === query.source) &&
          (query.search === undefined || object.filename.includes(query.search)),
      )
      .sort((a, b) => b.seq - a.seq)
      .map((file) => file.object);
    const start = query.page * query.pageSize;
    return { data: matching.slice(start, start + query.pageSize), object: 'list', total: matching.length };
  }

  /** Forgets every file and returns their paths. */
  clear(): string[] {
    const paths = [...this.files.values()].map((file) => file.path);
    this.files.clear();
    return paths;
  }
}
