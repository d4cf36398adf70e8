import { randomUUID } from 'node:crypto';
import { FileRegistry as StoredFiles } from '../core/file-registry';
import type { FileList, WireFile } from './types';

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

/** Uploaded request files and the result files jobs write: filtered, newest first, a numbered page at a time. */
export class FileRegistry extends StoredFiles<WireFile> {
  list(query: FileListQuery): FileList {
    const matching = this.select(
      (object) =>
        (query.purpose === undefined || object.purpose === query.purpose) &&
        (query.sampleType === undefined || object.sample_type === query.sampleType) &&
        (query.source === undefined || object.source === query.source) &&
        (query.search === undefined || object.filename.includes(query.search)),
      'desc',
    );
    const start = query.page * query.pageSize;
    return { data: matching.slice(start, start + query.pageSize), object: 'list', total: matching.length };
  }
}
