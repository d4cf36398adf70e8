import { FileRegistry as StoredFiles } from '../core/file-registry';
import { randomBase62 } from '../core/ids';
import { cursorPage } from './pagination';
import type { ListBody, WireFile } from './types';

export type { StoredFile } from '../core/file-registry';

export function newFileId(): string {
  return `file-${randomBase62(22)}`;
}

export interface FileListQuery {
  purpose: string | undefined;
  order: 'asc' | 'desc';
  after: string | undefined;
  limit: number;
}

/** OpenAI's files: listed by purpose, in either order, a cursor page at a time. */
export class FileRegistry extends StoredFiles<WireFile> {
  list(query: FileListQuery): ListBody<WireFile> {
    const matching = this.select(
      (file) => query.purpose === undefined || file.purpose === query.purpose,
      query.order,
    );
    return cursorPage(matching, query.after, query.limit);
  }
}
