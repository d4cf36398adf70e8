import type { Request, Response } from 'express';
import { gcsError } from './gcs-errors';
import { boundaryOf } from './multipart-related';
import { renderObject } from './object-resource';
import { readSmallBody } from './receive-body';
import { apiBase, origin, query } from './request-parts';
import { type GcsUploads, parseObjectMetadata, type UploadTarget } from './uploads';

const MAX_METADATA_BYTES = 1024 * 1024;

/**
 * `/upload/storage/v1/b/{bucket}/o`: `uploadType=media|multipart|resumable` POSTs, and PUT/DELETE on a resumable
 * session URI (`…&upload_id=…`), answering 308 with `Range` until the object is complete.
 */
export async function handleUpload(
  req: Request,
  res: Response,
  bucket: string,
  uploads: GcsUploads,
): Promise<void> {
  const uploadId = query(req, 'upload_id');
  if (uploadId !== null) {
    if (req.method === 'PUT' || req.method === 'POST') {
      const outcome = await uploads.put(uploadId, req.get('content-range'), req);
      if (outcome.done) {
        res.json(renderObject(outcome.object, apiBase(req)));
      } else {
        res.status(308);
        if (outcome.received > 0) res.set('range', `bytes=0-${outcome.received - 1}`);
        res.set('content-length', '0');
        res.end();
      }
      return;
    }
    if (req.method === 'DELETE') {
      await uploads.cancel(uploadId);
      res.status(499).end();
      return;
    }
    throw gcsError(405, `Method ${req.method} is not supported on upload sessions.`, 'methodNotAllowed');
  }
  if (req.method !== 'POST') {
    throw gcsError(405, `Method ${req.method} is not supported on uploads.`, 'methodNotAllowed');
  }

  const uploadType = query(req, 'uploadType') ?? 'media';
  const ifGenerationMatch = query(req, 'ifGenerationMatch');
  if (uploadType === 'multipart') {
    const boundary = boundaryOf(req.get('content-type'));
    if (!boundary) throw gcsError(400, 'A multipart upload needs a multipart/related body with a boundary.');
    const object = await uploads.multipart(
      bucket,
      { name: query(req, 'name'), ifGenerationMatch },
      boundary,
      req,
    );
    res.json(renderObject(object, apiBase(req)));
    return;
  }
  if (uploadType === 'resumable') {
    const text = await readSmallBody(req, MAX_METADATA_BYTES);
    if (text === null) throw gcsError(400, 'The object metadata is too large.');
    const meta = parseObjectMetadata(text);
    const name = query(req, 'name') ?? meta.name;
    if (!name) throw gcsError(400, 'Required object name is missing.', 'required');
    const target: UploadTarget = {
      bucket,
      name,
      contentType: meta.contentType ?? req.get('x-upload-content-type') ?? null,
      metadata: meta.metadata,
      ifGenerationMatch,
    };
    const id = uploads.startResumable(target);
    // The SDK uses this URI verbatim for every chunk, so it has to be absolute.
    const location = `${origin(req)}${req.baseUrl}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    res.status(200).set({ location, 'x-guploader-uploadid': id, 'content-length': '0' }).end();
    return;
  }
  if (uploadType === 'media') {
    const name = query(req, 'name');
    if (!name) throw gcsError(400, 'Required object name is missing.', 'required');
    const target: UploadTarget = {
      bucket,
      name,
      contentType: req.get('content-type') ?? null,
      metadata: null,
      ifGenerationMatch,
    };
    res.json(renderObject(await uploads.media(target, req), apiBase(req)));
    return;
  }
  throw gcsError(400, `Unsupported uploadType: ${uploadType}`);
}
