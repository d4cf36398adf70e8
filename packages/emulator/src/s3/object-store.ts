import { createReadStream } from 'node:fs';
import type { BlobStore } from '../core/blob-store';
import type { Clock } from '../core/clock';
import { compareNames } from '../gcs/list-objects';
import { type ChecksumAlgorithm, ObjectDigest, type S3Digest } from './checksums';

export interface S3Object {
  bucket: string;
  key: string;
  /** The bytes, in the blob store. */
  path: string;
  size: number;
  /** Unquoted: md5 hex, or for a multipart upload `md5(part md5s)-N`. */
  etag: string;
  contentType: string;
  /** `x-amz-meta-*`, names lower-cased. */
  metadata: Record<string, string>;
  /** The checksum S3 keeps for the object; `COMPOSITE` ones (`…-N`) are the multipart kind. */
  checksum: { algorithm: ChecksumAlgorithm; value: string; type: 'FULL_OBJECT' | 'COMPOSITE' } | null;
  lines: number;
  lastModifiedMs: number;
}

export interface NewS3Object {
  bucket: string;
  key: string;
  /** A blob the store takes ownership of. */
  path: string;
  size: number;
  etag: string;
  lines: number;
  contentType?: string | null;
  metadata?: Record<string, string>;
  checksum?: S3Object['checksum'];
}

/**
 * Every bucket's objects, shared by the S3 routes and the Bedrock jobs that read inputs and write outputs. Every
 * bucket name exists (an empty bucket lists nothing); object bytes live on disk, only their metadata here.
 */
export class S3ObjectStore {
  private buckets = new Map<string, Map<string, S3Object>>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
  ) {}

  newBlobPath(label = 's3'): string {
    return this.blobs.newPath(label);
  }

  get(bucket: string, key: string): S3Object | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  /** Stores `key`, replacing (and deleting the bytes of) what was there. */
  put(input: NewS3Object): S3Object {
    let objects = this.buckets.get(input.bucket);
    if (!objects) {
      objects = new Map();
      this.buckets.set(input.bucket, objects);
    }
    const previous = objects.get(input.key);
    const object: S3Object = {
      bucket: input.bucket,
      key: input.key,
      path: input.path,
      size: input.size,
      etag: input.etag,
      contentType: input.contentType || 'application/octet-stream',
      metadata: input.metadata ?? {},
      checksum: input.checksum ?? null,
      lines: input.lines,
      lastModifiedMs: this.clock.now(),
    };
    objects.set(input.key, object);
    if (previous && previous.path !== input.path) this.blobs.discard([previous.path]);
    return object;
  }

  /** Stores a file written by the emulator itself (a job's output), digesting it first. */
  async putFile(bucket: string, key: string, path: string, contentType: string): Promise<S3Object> {
    const digest = await digestFile(path);
    return this.put({
      bucket,
      key,
      path,
      size: digest.size,
      etag: digest.md5Hex,
      lines: digest.lines,
      contentType,
    });
  }

  delete(bucket: string, key: string): boolean {
    const objects = this.buckets.get(bucket);
    const object = objects?.get(key);
    if (!objects || !object) return false;
    objects.delete(key);
    this.blobs.discard([object.path]);
    return true;
  }

  /** Objects under `prefix`, in S3's listing order (UTF-8 bytes). */
  objects(bucket: string, prefix = ''): S3Object[] {
    const objects = this.buckets.get(bucket);
    if (!objects) return [];
    const matching: S3Object[] = [];
    for (const object of objects.values()) if (object.key.startsWith(prefix)) matching.push(object);
    return matching.sort((a, b) => compareNames(a.key, b.key));
  }

  /** Forgets every object and deletes its bytes. */
  clear(): void {
    for (const objects of this.buckets.values()) this.blobs.discard([...objects.values()].map((o) => o.path));
    this.buckets = new Map();
  }
}

export async function digestFile(path: string): Promise<S3Digest> {
  const digest = new ObjectDigest(null);
  for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
  return digest.finish();
}
