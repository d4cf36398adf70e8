import type { BlobStore } from '../core/blob-store';
import type { Clock } from '../core/clock';
import { compareNames, type ListPage, type ListQuery, listPage } from './list-objects';
import type { Digest } from './object-digest';

export interface StoredObject {
  bucket: string;
  name: string;
  /** The bytes, in the blob store. */
  path: string;
  size: number;
  md5Hash: string;
  crc32c: string;
  lines: number;
  generation: string;
  metageneration: string;
  contentType: string;
  metadata: Record<string, string> | null;
  createdMs: number;
}

export interface NewObject {
  bucket: string;
  name: string;
  /** A blob the store takes ownership of. */
  path: string;
  digest: Digest;
  contentType?: string | null;
  metadata?: Record<string, string> | null;
}

/**
 * Every bucket's objects, shared by the GCS routes and the Vertex jobs that read inputs and write outputs.
 * Buckets spring into existence on first use. Object bytes live on disk; only their metadata is kept here.
 */
export class GcsObjectStore {
  private buckets = new Map<string, Map<string, StoredObject>>();
  private lastGeneration = 0;

  constructor(
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
  ) {}

  newBlobPath(): string {
    return this.blobs.newPath('gcs');
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.get(name);
  }

  /** Stores a new generation of `name`; the previous generation's bytes are deleted. */
  put(input: NewObject): StoredObject {
    const objects = this.bucket(input.bucket);
    const previous = objects.get(input.name);
    const now = this.clock.now();
    // Generations are microsecond timestamps in GCS; strictly increasing here.
    this.lastGeneration = Math.max(this.lastGeneration + 1, now * 1000);
    const object: StoredObject = {
      bucket: input.bucket,
      name: input.name,
      path: input.path,
      size: input.digest.size,
      md5Hash: input.digest.md5Hash,
      crc32c: input.digest.crc32c,
      lines: input.digest.lines,
      generation: String(this.lastGeneration),
      metageneration: '1',
      contentType: input.contentType || 'application/octet-stream',
      metadata: input.metadata ?? null,
      createdMs: now,
    };
    objects.set(input.name, object);
    if (previous && previous.path !== input.path)
      void this.blobs.remove(previous.path).catch(() => undefined);
    return object;
  }

  delete(bucket: string, name: string): boolean {
    const objects = this.buckets.get(bucket);
    const object = objects?.get(name);
    if (!objects || !object) return false;
    objects.delete(name);
    void this.blobs.remove(object.path).catch(() => undefined);
    return true;
  }

  /** Objects under `prefix`, in listing order. */
  objects(bucket: string, prefix = ''): StoredObject[] {
    const objects = this.buckets.get(bucket);
    if (!objects) return [];
    const matching: StoredObject[] = [];
    for (const object of objects.values()) if (object.name.startsWith(prefix)) matching.push(object);
    return matching.sort((a, b) => compareNames(a.name, b.name));
  }

  list(bucket: string, query: ListQuery): ListPage<StoredObject> {
    return listPage(this.objects(bucket, query.prefix), query);
  }

  /** Forgets every object and deletes its bytes. */
  clear(): void {
    for (const objects of this.buckets.values()) {
      for (const object of objects.values()) void this.blobs.remove(object.path).catch(() => undefined);
    }
    this.buckets = new Map();
  }

  private bucket(name: string): Map<string, StoredObject> {
    let objects = this.buckets.get(name);
    if (!objects) {
      objects = new Map();
      this.buckets.set(name, objects);
    }
    return objects;
  }
}
