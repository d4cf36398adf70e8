import { open, rm } from 'node:fs/promises';
import { randomHex } from '../core/ids';
import { parseUploadRange, type UploadRange } from './content-range';
import { gcsError, preconditionFailed } from './gcs-errors';
import { MultipartError, readRelatedUpload } from './multipart-related';
import { ObjectDigest } from './object-digest';
import type { GcsObjectStore, StoredObject } from './object-store';
import { appendBody, writeAll } from './receive-body';

export interface UploadTarget {
  bucket: string;
  name: string;
  contentType: string | null;
  metadata: Record<string, string> | null;
  /** `ifGenerationMatch`: `0` means "only if the object does not exist yet". */
  ifGenerationMatch: string | null;
}

interface Session {
  id: string;
  target: UploadTarget;
  path: string;
  digest: ObjectDigest;
  received: number;
  object: StoredObject | null;
  /** A PUT is streaming into the session. */
  busy: boolean;
}

export type ChunkOutcome = { done: true; object: StoredObject } | { done: false; received: number };

/**
 * Object uploads: single-request (`media`, `multipart`) and resumable sessions. Bytes stream to a blob on disk
 * while their size, MD5, CRC32C and lines are computed; the object appears only when the upload completes.
 */
export class GcsUploads {
  private sessions = new Map<string, Session>();

  constructor(
    private readonly store: GcsObjectStore,
    private readonly onUploaded: (object: StoredObject) => void,
  ) {}

  async media(target: UploadTarget, body: AsyncIterable<Buffer>): Promise<StoredObject> {
    this.checkPrecondition(target);
    const path = this.store.newBlobPath();
    const digest = new ObjectDigest();
    const file = await open(path, 'w');
    try {
      await appendBody(body, file, digest);
    } catch (error) {
      await file.close();
      await rm(path, { force: true });
      throw error;
    }
    await file.close();
    return this.finish(target, path, digest);
  }

  async multipart(
    bucket: string,
    query: { name: string | null; ifGenerationMatch: string | null },
    boundary: string,
    body: AsyncIterable<Buffer>,
  ): Promise<StoredObject> {
    const path = this.store.newBlobPath();
    const digest = new ObjectDigest();
    const file = await open(path, 'w');
    let target: UploadTarget;
    try {
      const upload = await readRelatedUpload(body, boundary, async (chunk) => {
        await writeAll(file, chunk);
        digest.update(chunk);
      });
      const meta = parseObjectMetadata(upload.metadata);
      const name = query.name ?? meta.name;
      if (!name) throw gcsError(400, 'Required object name is missing.', 'required');
      target = {
        bucket,
        name,
        contentType: meta.contentType ?? upload.mediaContentType,
        metadata: meta.metadata,
        ifGenerationMatch: query.ifGenerationMatch,
      };
    } catch (error) {
      await file.close();
      await rm(path, { force: true });
      if (error instanceof MultipartError) throw gcsError(400, error.message);
      throw error;
    }
    await file.close();
    return this.finish(target, path, digest);
  }

  startResumable(target: UploadTarget): string {
    this.checkPrecondition(target);
    const session: Session = {
      id: randomHex(32),
      target,
      path: this.store.newBlobPath(),
      digest: new ObjectDigest(),
      received: 0,
      object: null,
      busy: false,
    };
    this.sessions.set(session.id, session);
    return session.id;
  }

  /** One PUT to a session URI: a chunk, the whole rest of the object, or a status probe. */
  async put(id: string, rangeHeader: string | undefined, body: AsyncIterable<Buffer>): Promise<ChunkOutcome> {
    const session = this.sessions.get(id);
    if (!session) throw gcsError(404, 'No such upload session.', 'notFound');
    const range = parseUploadRange(rangeHeader);
    if (!range) throw gcsError(400, `Invalid Content-Range: ${rangeHeader}`);
    if (session.object) {
      await drain(body);
      return { done: true, object: session.object };
    }
    if (session.busy) {
      await drain(body);
      throw gcsError(503, 'Another request is writing to this upload session.', 'backendError');
    }
    session.busy = true;
    try {
      return await this.write(session, range, body);
    } finally {
      session.busy = false;
    }
  }

  /** A DELETE on the session URI abandons the upload (GCS answers 499). */
  async cancel(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) throw gcsError(404, 'No such upload session.', 'notFound');
    this.sessions.delete(id);
    if (!session.object) await rm(session.path, { force: true });
  }

  reset(): string[] {
    const paths = [...this.sessions.values()].filter((s) => !s.object).map((s) => s.path);
    this.sessions = new Map();
    return paths;
  }

  private async write(
    session: Session,
    range: UploadRange,
    body: AsyncIterable<Buffer>,
  ): Promise<ChunkOutcome> {
    if (range.kind === 'probe') {
      await drain(body);
      if (range.total !== null && range.total === session.received) return this.complete(session);
      return { done: false, received: session.received };
    }
    if (range.start > session.received) {
      await drain(body);
      throw gcsError(
        400,
        `Invalid request. The upload resumed at byte ${range.start}, but only ${session.received} bytes are stored.`,
      );
    }
    const file = await open(session.path, 'a');
    try {
      session.received += await appendBody(body, file, session.digest, session.received - range.start);
    } finally {
      await file.close();
    }
    const { total } = range;
    if (total !== null && session.received > total) {
      throw gcsError(400, `Invalid request. Received ${session.received} bytes for an object of ${total}.`);
    }
    // `A-*` sends the rest of the object in this request; `A-B/T` completes it when T bytes are in.
    const complete = total === null ? range.end === null : session.received === total;
    return complete ? this.complete(session) : { done: false, received: session.received };
  }

  private complete(session: Session): ChunkOutcome {
    const object = this.finish(session.target, session.path, session.digest);
    session.object = object;
    return { done: true, object };
  }

  private finish(target: UploadTarget, path: string, digest: ObjectDigest): StoredObject {
    try {
      this.checkPrecondition(target);
    } catch (error) {
      void rm(path, { force: true });
      throw error;
    }
    const object = this.store.put({
      bucket: target.bucket,
      name: target.name,
      path,
      digest: digest.finish(),
      contentType: target.contentType,
      metadata: target.metadata,
    });
    this.onUploaded(object);
    return object;
  }

  private checkPrecondition(target: UploadTarget): void {
    if (target.ifGenerationMatch === null) return;
    const current = this.store.get(target.bucket, target.name);
    const generation = current?.generation ?? '0';
    if (generation !== target.ifGenerationMatch) throw preconditionFailed();
  }
}

export interface ObjectMetadata {
  name: string | null;
  contentType: string | null;
  metadata: Record<string, string> | null;
}

export function parseObjectMetadata(text: string): ObjectMetadata {
  if (text.trim() === '') return { name: null, contentType: null, metadata: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw gcsError(400, 'The object metadata is not valid JSON.', 'parseError');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw gcsError(400, 'The object metadata must be a JSON object.', 'parseError');
  }
  const record = value as Record<string, unknown>;
  let metadata: Record<string, string> | null = null;
  if (record.metadata && typeof record.metadata === 'object' && !Array.isArray(record.metadata)) {
    metadata = {};
    for (const [key, entry] of Object.entries(record.metadata)) {
      if (entry !== null && entry !== undefined) metadata[key] = String(entry);
    }
  }
  return {
    name: typeof record.name === 'string' ? record.name : null,
    contentType: typeof record.contentType === 'string' ? record.contentType : null,
    metadata,
  };
}

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of body) {
    // discard
  }
}
