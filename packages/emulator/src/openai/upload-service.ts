import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { unixSeconds } from '../core/clock';
import { randomHex } from '../core/ids';
import { LineCounter } from '../core/line-counter';
import type { EmulatorContext } from '../core/provider';
import { badRequest, notFound } from './errors';
import { newWireFile } from './file-object';
import type { FileRegistry } from './file-registry';
import type { UploadStatus, WireFile, WireUpload, WireUploadPart } from './types';
import { MAX_UPLOAD_TOTAL_BYTES, type UploadComplete, type UploadCreate } from './upload-params';

/** An Upload accepts parts for an hour after it is created. */
const UPLOAD_TTL_MS = 3600 * 1000;

interface StoredPart {
  id: string;
  path: string;
  bytes: number;
  createdAt: number;
}

interface UploadRecord {
  id: string;
  params: UploadCreate;
  createdAtMs: number;
  status: UploadStatus;
  /** Parts are being joined into the file; the upload still reads as `pending`. */
  completing: boolean;
  parts: Map<string, StoredPart>;
  /** Bytes in `parts`. */
  receivedBytes: number;
  file: WireFile | null;
  /** Forgotten by a reset while a part or the completion was in flight. */
  discarded: boolean;
}

/**
 * Owns the Uploads. Each part is a blob of its own; completing joins the listed parts, in order,
 * into one blob that becomes an ordinary File (so it works as a batch's `input_file_id`).
 */
export class UploadService {
  private uploads = new Map<string, UploadRecord>();

  /** `provider`: whose `stats()` count the bytes received. */
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: FileRegistry,
    private readonly provider = 'openai',
  ) {}

  create(params: UploadCreate): WireUpload {
    const upload: UploadRecord = {
      id: `upload_${randomHex(32)}`,
      params,
      createdAtMs: this.ctx.clock.now(),
      status: 'pending',
      completing: false,
      parts: new Map(),
      receivedBytes: 0,
      file: null,
      discarded: false,
    };
    this.uploads.set(upload.id, upload);
    return render(upload);
  }

  /** Checked before the part's body is read, so a dead upload is refused without storing anything. */
  assertAcceptsParts(id: string): void {
    this.assertPending(this.find(id), 'add parts to');
  }

  /** Takes ownership of the blob at `path` (the caller removes it if this throws). */
  addPart(id: string, path: string, bytes: number): WireUploadPart {
    const upload = this.find(id);
    this.assertPending(upload, 'add parts to');
    if (upload.receivedBytes + bytes > MAX_UPLOAD_TOTAL_BYTES) {
      throw badRequest(
        `Upload ${id} would exceed the maximum of ${MAX_UPLOAD_TOTAL_BYTES} bytes with this part.`,
        'data',
        'upload_too_large',
      );
    }
    const part: StoredPart = {
      id: `part_${randomHex(32)}`,
      path,
      bytes,
      createdAt: unixSeconds(this.ctx.clock.now()),
    };
    upload.parts.set(part.id, part);
    upload.receivedBytes += bytes;
    this.ctx.stats.add(this.provider, { bytes });
    return { id: part.id, object: 'upload.part', created_at: part.createdAt, upload_id: upload.id };
  }

  async complete(id: string, params: UploadComplete): Promise<WireUpload> {
    const upload = this.find(id);
    this.assertPending(upload, 'complete');

    const listed: StoredPart[] = [];
    const seen = new Set<string>();
    for (const partId of params.partIds) {
      const part = upload.parts.get(partId);
      if (!part)
        throw badRequest(`No such Part object: ${partId} in Upload ${id}.`, 'part_ids', 'invalid_value');
      if (seen.has(partId)) {
        throw badRequest(
          `Part ${partId} is listed more than once in 'part_ids'.`,
          'part_ids',
          'invalid_value',
        );
      }
      seen.add(partId);
      listed.push(part);
    }
    const total = listed.reduce((sum, part) => sum + part.bytes, 0);
    if (total !== upload.params.bytes) {
      throw badRequest(
        `The parts in 'part_ids' total ${total} bytes, but the Upload was created with bytes=${upload.params.bytes}.`,
        'part_ids',
        'invalid_value',
      );
    }

    upload.completing = true;
    const path = this.ctx.blobs.newPath('upload');
    let joined: Joined;
    try {
      joined = await joinParts(
        listed.map((part) => part.path),
        path,
      );
      if (upload.discarded) throw notFound(`No such Upload object: ${id}`, 'upload_id');
      if (params.md5 !== null && params.md5 !== joined.md5) {
        throw badRequest(
          `The md5 checksum '${params.md5}' does not match the uploaded content (${joined.md5}).`,
          'md5',
          'invalid_value',
        );
      }
    } catch (error) {
      await this.ctx.blobs.remove(path);
      throw error;
    } finally {
      upload.completing = false;
    }

    const file = newWireFile({
      purpose: upload.params.purpose,
      filename: upload.params.filename,
      bytes: joined.bytes,
      createdAt: unixSeconds(this.ctx.clock.now()),
      ttlSeconds: upload.params.fileTtlSeconds,
    });
    this.files.add(file, path, joined.lines);
    upload.file = file;
    upload.status = 'completed';
    await this.dropParts(upload);
    return render(upload);
  }

  async cancel(id: string): Promise<WireUpload> {
    const upload = this.find(id);
    this.assertPending(upload, 'cancel');
    upload.status = 'cancelled';
    await this.dropParts(upload);
    return render(upload);
  }

  /** Forgets every upload and returns the paths of their parts. */
  reset(): string[] {
    const paths: string[] = [];
    for (const upload of this.uploads.values()) {
      upload.discarded = true;
      for (const part of upload.parts.values()) paths.push(part.path);
      upload.parts.clear();
    }
    this.uploads = new Map();
    return paths;
  }

  private find(id: string): UploadRecord {
    const upload = this.uploads.get(id);
    if (!upload) throw notFound(`No such Upload object: ${id}`, 'upload_id');
    if (upload.status === 'pending' && !upload.completing && this.ctx.clock.now() >= expiresAtMs(upload)) {
      upload.status = 'expired';
      void this.dropParts(upload).catch(() => undefined);
    }
    return upload;
  }

  private assertPending(upload: UploadRecord, action: string): void {
    if (upload.completing) {
      throw badRequest(`Cannot ${action} Upload ${upload.id}: it is being completed.`, null, 'invalid_state');
    }
    if (upload.status !== 'pending') {
      throw badRequest(
        `Cannot ${action} Upload ${upload.id}: its status is '${upload.status}'; it must be 'pending'.`,
        null,
        'invalid_state',
      );
    }
  }

  private async dropParts(upload: UploadRecord): Promise<void> {
    const paths = [...upload.parts.values()].map((part) => part.path);
    upload.parts.clear();
    upload.receivedBytes = 0;
    await Promise.all(paths.map((path) => this.ctx.blobs.remove(path)));
  }
}

function expiresAtMs(upload: UploadRecord): number {
  return upload.createdAtMs + UPLOAD_TTL_MS;
}

function render(upload: UploadRecord): WireUpload {
  const createdAt = unixSeconds(upload.createdAtMs);
  return {
    id: upload.id,
    object: 'upload',
    bytes: upload.params.bytes,
    created_at: createdAt,
    filename: upload.params.filename,
    purpose: upload.params.purpose,
    status: upload.status,
    expires_at: createdAt + UPLOAD_TTL_MS / 1000,
    file: upload.file,
  };
}

interface Joined {
  bytes: number;
  lines: number;
  md5: string;
}

/** Streams the parts, in order, into one blob, counting lines across part boundaries. */
async function joinParts(paths: string[], dest: string): Promise<Joined> {
  const counter = new LineCounter();
  const md5 = createHash('md5');
  await pipeline(
    async function* () {
      for (const path of paths) {
        for await (const chunk of createReadStream(path)) {
          md5.update(chunk as Buffer);
          yield chunk as Buffer;
        }
      }
    },
    counter,
    createWriteStream(dest),
  );
  return { bytes: counter.bytes, lines: counter.lines, md5: md5.digest('hex') };
}
