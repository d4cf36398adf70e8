import type { StoredObject } from './object-store';

/** The JSON API's object resource (`storage#object`); `size` and generations are strings (int64). */
export interface WireObject {
  kind: 'storage#object';
  id: string;
  selfLink: string;
  mediaLink: string;
  name: string;
  bucket: string;
  generation: string;
  metageneration: string;
  contentType: string;
  storageClass: 'STANDARD';
  size: string;
  md5Hash: string;
  crc32c: string;
  etag: string;
  timeCreated: string;
  updated: string;
  timeStorageClassUpdated: string;
  metadata?: Record<string, string>;
}

export interface WireObjectList {
  kind: 'storage#objects';
  items?: WireObject[];
  prefixes?: string[];
  nextPageToken?: string;
}

/** `apiBase` is where the JSON API is served, e.g. `http://127.0.0.1:4010/gcs/storage/v1`. */
export function renderObject(object: StoredObject, apiBase: string): WireObject {
  const bucket = encodeURIComponent(object.bucket);
  const name = encodeURIComponent(object.name);
  const time = new Date(object.createdMs).toISOString();
  const wire: WireObject = {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${apiBase}/b/${bucket}/o/${name}`,
    mediaLink: `${apiBase.replace(/\/storage\/v1$/, '')}/download/storage/v1/b/${bucket}/o/${name}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: object.metageneration,
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.size),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: etagOf(object),
    timeCreated: time,
    updated: time,
    timeStorageClassUpdated: time,
  };
  if (object.metadata) wire.metadata = object.metadata;
  return wire;
}

export function etagOf(object: StoredObject): string {
  return Buffer.from(`${object.generation}/${object.metageneration}`).toString('base64');
}
