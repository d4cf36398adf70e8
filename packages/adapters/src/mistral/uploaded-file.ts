import type { Mistral } from '@mistralai/mistralai';

export interface UploadedFileQuery {
  /** `${chunkKey}.jsonl`: chunk keys are unique, so the name says which chunk a file was uploaded for. */
  filename: string;
  bytes: number;
  /** Unix seconds: files older than this were not uploaded for the chunk. */
  since: number;
}

const PAGE_SIZE = 100;

/**
 * The request file an earlier attempt uploaded for a chunk, if one is there: a batch file with the chunk's name and
 * size, no older than `since`. A chunk's request file is written the same way each time, so the same size means the
 * same bytes. The list's order is not documented, and its `search` filter (on the name, in the emulator) is not
 * confirmed: every file listed is checked, and every page read.
 */
export async function findUploadedFile(client: Mistral, query: UploadedFileQuery): Promise<string | null> {
  for (let page = 0; ; page++) {
    const list = await client.files.list({
      page,
      pageSize: PAGE_SIZE,
      purpose: 'batch',
      search: query.filename,
    });
    const found = list.data.find(
      (file) =>
        file.filename === query.filename && file.sizeBytes === query.bytes && file.createdAt >= query.since,
    );
    if (found) return found.id;
    if (list.data.length < PAGE_SIZE || (list.total != null && (page + 1) * PAGE_SIZE >= list.total))
      return null;
  }
}
