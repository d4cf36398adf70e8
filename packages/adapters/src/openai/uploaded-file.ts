import type OpenAI from 'openai';

export interface UploadedFileQuery {
  /** `${chunkKey}.jsonl`: chunk keys are unique, so the name says which chunk a file was uploaded for. */
  filename: string;
  bytes: number;
  /** Unix seconds: files older than this were not uploaded for the chunk. */
  since: number;
}

/**
 * The request file an earlier attempt uploaded for a chunk, if one is there: the newest batch file with the chunk's
 * name and size. A chunk's request file is written the same way each time, so the same size means the same bytes
 * (and an upload that never completed leaves no file at all). The list is read newest first and stops at older files.
 */
export async function findUploadedFile(client: OpenAI, query: UploadedFileQuery): Promise<string | null> {
  for await (const file of client.files.list({ purpose: 'batch', order: 'desc', limit: 100 })) {
    if (file.created_at < query.since) return null;
    if (file.filename === query.filename && file.bytes === query.bytes && file.status !== 'error')
      return file.id;
  }
  return null;
}
