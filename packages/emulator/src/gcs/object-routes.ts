import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { releaseHold } from '../core/response-hold';
import { parseDownloadRange } from './content-range';
import { gcsError, noSuchObject, preconditionFailed } from './gcs-errors';
import { isValidPageToken } from './list-objects';
import { etagOf, renderObject, type WireObjectList } from './object-resource';
import type { GcsObjectStore, StoredObject } from './object-store';
import { apiBase, query } from './request-parts';

const MAX_LIST_RESULTS = 1000;

/** `GET` (metadata, or the bytes with `alt=media`) and `DELETE` on one object. */
export async function handleObject(
  req: Request,
  res: Response,
  store: GcsObjectStore,
  bucket: string,
  name: string,
) {
  if (req.method === 'GET') {
    const object = findObject(store, req, bucket, name);
    if (query(req, 'alt') === 'media') await sendMedia(req, res, object);
    else res.json(renderObject(object, apiBase(req)));
    return;
  }
  if (req.method === 'DELETE') {
    findObject(store, req, bucket, name);
    store.delete(bucket, name);
    res.status(204).end();
    return;
  }
  throw gcsError(
    405,
    `Method ${req.method} is not supported on objects by the emulator.`,
    'methodNotAllowed',
  );
}

export function findObject(store: GcsObjectStore, req: Request, bucket: string, name: string): StoredObject {
  const object = store.get(bucket, name);
  const generation = query(req, 'generation');
  if (!object || (generation !== null && generation !== object.generation)) throw noSuchObject(bucket, name);
  const ifMatch = query(req, 'ifGenerationMatch');
  if (ifMatch !== null && ifMatch !== object.generation) throw preconditionFailed();
  return object;
}

/**
 * The bytes, streamed from disk. `x-goog-hash` and `x-goog-stored-content-encoding: identity` make the storage SDK
 * check the CRC32C of what it downloaded, as it does against real GCS.
 */
export async function sendMedia(req: Request, res: Response, object: StoredObject): Promise<void> {
  const range = parseDownloadRange(req.get('range'), object.size);
  if (range === 'unsatisfiable') {
    throw gcsError(416, 'The requested range cannot be satisfied.', 'requestedRangeNotSatisfiable');
  }
  await releaseHold(res);
  res.set({
    'content-type': object.contentType,
    etag: etagOf(object),
    'x-goog-generation': object.generation,
    'x-goog-metageneration': object.metageneration,
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(object.size),
    'last-modified': new Date(object.createdMs).toUTCString(),
  });
  if (range) {
    res.status(206);
    res.set('content-range', `bytes ${range.start}-${range.end}/${object.size}`);
    res.set('content-length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.set('content-length', String(object.size));
  }
  if (object.size === 0 || (range && range.end < range.start)) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(object.path, range ?? {}), res);
  } catch {
    res.destroy();
  }
}

/** One page of a listing: `prefix`, `delimiter` (→ `prefixes`), `maxResults` (at most 1000), `pageToken`. */
export function listObjects(req: Request, store: GcsObjectStore, bucket: string): WireObjectList {
  const maxResultsRaw = query(req, 'maxResults');
  let maxResults = MAX_LIST_RESULTS;
  if (maxResultsRaw !== null) {
    const value = Number(maxResultsRaw);
    if (!Number.isInteger(value) || value < 0)
      throw gcsError(400, `Invalid value for maxResults: ${maxResultsRaw}`);
    maxResults = Math.min(value === 0 ? MAX_LIST_RESULTS : value, MAX_LIST_RESULTS);
  }
  const pageToken = query(req, 'pageToken');
  if (pageToken !== null && pageToken !== '' && !isValidPageToken(pageToken)) {
    throw gcsError(400, 'Invalid page token.');
  }
  const page = store.list(bucket, {
    prefix: query(req, 'prefix') ?? '',
    delimiter: query(req, 'delimiter') || null,
    maxResults,
    pageToken: pageToken || null,
  });
  const base = apiBase(req);
  const body: WireObjectList = { kind: 'storage#objects' };
  if (page.prefixes.length > 0) body.prefixes = page.prefixes;
  if (page.items.length > 0) body.items = page.items.map((object) => renderObject(object, base));
  if (page.nextPageToken) body.nextPageToken = page.nextPageToken;
  return body;
}

/** Every bucket exists (it springs into being on first use), so `bucket.exists()` is always true. */
export function bucketResource(name: string, base: string) {
  return {
    kind: 'storage#bucket',
    id: name,
    selfLink: `${base}/b/${encodeURIComponent(name)}`,
    projectNumber: '0',
    name,
    timeCreated: '2024-01-01T00:00:00.000Z',
    updated: '2024-01-01T00:00:00.000Z',
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: 'CAE=',
  };
}
