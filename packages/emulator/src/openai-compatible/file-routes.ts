import { type Request, Router } from 'express';
import type { BlobStore } from '../core/blob-store';
import type { FileRegistry, StoredFile } from '../core/file-registry';
import { sendFile } from '../core/file-transfer';
import type { HttpError } from '../core/http-error';

export interface StoredFileAccess<W extends { id: string }> {
  files: FileRegistry<W>;
  blobs: BlobStore;
  notFound(id: string): HttpError;
}

/** The stored file `req.params.id` names, or the provider's 404. */
export function findFile<W extends { id: string }>(access: StoredFileAccess<W>, req: Request): StoredFile<W> {
  const id = String(req.params.id);
  const file = access.files.get(id);
  if (!file) throw access.notFound(id);
  return file;
}

/** `GET <path>/:id/content` and `DELETE <path>/:id`, which OpenAI's and Mistral's Files APIs answer alike. */
export function fileContentRoutes<W extends { id: string; bytes: number }>(
  path: string,
  access: StoredFileAccess<W>,
): Router {
  const router = Router();

  router.get(`${path}/:id/content`, async (req, res) => {
    const file = findFile(access, req);
    // The Mistral SDK accepts only octet-stream here: `application/jsonl` would fail its content-type match.
    await sendFile(res, file.path, { contentType: 'application/octet-stream', bytes: file.object.bytes });
  });

  router.delete(`${path}/:id`, async (req, res) => {
    const file = findFile(access, req);
    access.files.delete(file.object.id);
    await access.blobs.remove(file.path);
    res.json({ id: file.object.id, object: 'file', deleted: true });
  });

  return router;
}
