import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import express, { type Request, Router } from 'express';
import { unixSeconds } from '../core/clock';
import { FileRegistry, type StoredFile } from '../core/file-registry';
import { sendFile } from '../core/file-transfer';
import { HttpError } from '../core/http-error';
import { LineCounter } from '../core/line-counter';
import type { EmulatorContext } from '../core/provider';
import { badRequest, forbidden, notFound } from './errors';

export type FilePurpose = 'fine-tune' | 'eval' | 'batch-api';
const PURPOSES: readonly FilePurpose[] = ['fine-tune', 'eval', 'batch-api'];
const FILE_TYPES = ['jsonl', 'csv', 'parquet'] as const;

/** "Up to 100 MB per input file" (the batch overview). */
export const MAX_FILE_BYTES = 100_000_000;

/** A file as Together's API shows it (its SDK's `FileResponse`). */
export interface WireFile {
  id: string;
  object: 'file';
  bytes: number;
  /** Unix seconds. */
  created_at: number;
  /** Kept verbatim as the upload named it. */
  filename: string;
  FileType: (typeof FILE_TYPES)[number];
  purpose: FilePurpose;
  /** Deprecated upstream, still sent. */
  Processed: boolean;
}

/** A file id handed out by `POST /files` whose bytes have not come yet. */
interface PendingUpload {
  id: string;
  filename: string;
  fileType: WireFile['FileType'];
  purpose: FilePurpose;
}

/** Request files (uploaded through a signed URL) and the output and error files batches write. */
export class TogetherFiles extends FileRegistry<WireFile> {
  private pending = new Map<string, PendingUpload>();
  /** Signs the upload URLs; new per emulator, so a URL from another run never verifies. */
  private readonly secret = randomBytes(32);

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly prefix: string,
  ) {
    super();
  }

  require(id: string): StoredFile<WireFile> {
    const file = this.get(id);
    if (!file) throw notFound(`File ${id} not found.`);
    return file;
  }

  /** Registers a result file a batch wrote. */
  addResult(path: string, bytes: number, lines: number, filename: string): WireFile {
    const object: WireFile = {
      id: newFileId(),
      object: 'file',
      bytes,
      created_at: unixSeconds(this.ctx.clock.now()),
      filename,
      FileType: 'jsonl',
      purpose: 'batch-api',
      Processed: true,
    };
    this.add(object, path, lines);
    return object;
  }

  clearAll(): string[] {
    this.pending = new Map();
    return this.clear();
  }

  /**
   * The routes that take the upload's PUT, mounted ahead of the API key check: a signed URL carries its credential
   * in its query, and (like a storage host's presigned URL) refuses a request that brings an `Authorization` too.
   */
  uploadRouter(): Router {
    const router = Router();
    router.put('/upload/:id', async (req, res) => {
      const upload = this.pending.get(String(req.params.id));
      if (!upload || !this.verify(upload.id, req.query.sig)) {
        throw forbidden('The request signature we calculated does not match the signature you provided.');
      }
      if (req.get('authorization')) {
        throw badRequest('Only one auth mechanism allowed: the signed URL, or an Authorization header.');
      }
      // A storage host's signed PUT takes a declared length, not a chunked body (S3 answers 411 MissingContentLength).
      const declared = Number(req.get('content-length') ?? Number.NaN);
      if (!Number.isInteger(declared)) throw new HttpError(411, 'Content-Length is required.');
      if (declared > MAX_FILE_BYTES) {
        throw new HttpError(413, `A file can be at most ${MAX_FILE_BYTES} bytes.`);
      }
      const path = this.ctx.blobs.newPath('together-upload');
      const counter = new LineCounter();
      try {
        await pipeline(req, counter, createWriteStream(path));
        if (counter.bytes > MAX_FILE_BYTES)
          throw new HttpError(413, `A file can be at most ${MAX_FILE_BYTES} bytes.`);
      } catch (error) {
        await this.ctx.blobs.remove(path);
        throw error;
      }
      this.pending.delete(upload.id);
      this.ctx.stats.add('together', { bytes: counter.bytes });
      this.add(
        {
          id: upload.id,
          object: 'file',
          bytes: counter.bytes,
          created_at: unixSeconds(this.ctx.clock.now()),
          filename: upload.filename,
          FileType: upload.fileType,
          purpose: upload.purpose,
          Processed: true,
        },
        path,
        counter.lines,
      );
      res.status(200).end();
    });
    return router;
  }

  /** `/v1/files…`, behind the API key check. */
  router(): Router {
    const router = Router();

    // The SDKs' upload: the three fields in the query and again as a form body; the answer is a redirect to a
    // signed URL, the new file's id in `X-Together-File-Id`. The file exists once its bytes came.
    router.post('/v1/files', express.urlencoded({ extended: false }), (req, res) => {
      const field = (name: string) => {
        const value = req.query[name] ?? (req.body as Record<string, unknown> | undefined)?.[name];
        return typeof value === 'string' && value !== '' ? value : undefined;
      };
      const filename = field('file_name');
      if (!filename) throw badRequest('file_name is required.', 'file_name');
      const purpose = field('purpose');
      if (!purpose || !(PURPOSES as readonly string[]).includes(purpose)) {
        throw badRequest(`purpose must be one of ${PURPOSES.join(', ')}.`, 'purpose');
      }
      const fileType = field('file_type') ?? 'jsonl';
      if (!(FILE_TYPES as readonly string[]).includes(fileType)) {
        throw badRequest(`file_type must be one of ${FILE_TYPES.join(', ')}.`, 'file_type');
      }
      const id = newFileId();
      this.pending.set(id, {
        id,
        filename,
        fileType: fileType as WireFile['FileType'],
        purpose: purpose as FilePurpose,
      });
      const location = `${baseUrlOf(req, this.prefix)}/upload/${id}?sig=${this.sign(id)}`;
      res.status(302).set('location', location).set('x-together-file-id', id).end();
    });

    // Its Python SDK asks for this after the PUT; batch files are not validated, so it only gives the file back.
    router.post('/v1/files/:id/preprocess', (req, res) => {
      res.json(this.require(String(req.params.id)).object);
    });

    // No paging is documented: every file, oldest first (the order is not documented either).
    router.get('/v1/files', (_req, res) => {
      res.json({ data: this.select(() => true, 'asc') });
    });

    router.get('/v1/files/:id', (req, res) => {
      res.json(this.require(String(req.params.id)).object);
    });

    router.get('/v1/files/:id/content', async (req, res) => {
      const file = this.require(String(req.params.id));
      await sendFile(res, file.path, { contentType: 'application/octet-stream', bytes: file.object.bytes });
    });

    router.delete('/v1/files/:id', async (req, res) => {
      const file = this.require(String(req.params.id));
      this.delete(file.object.id);
      await this.ctx.blobs.remove(file.path);
      res.json({ id: file.object.id, deleted: true });
    });

    return router;
  }

  private sign(id: string): string {
    return createHmac('sha256', this.secret).update(id).digest('hex');
  }

  private verify(id: string, sig: unknown): boolean {
    if (typeof sig !== 'string') return false;
    const expected = Buffer.from(this.sign(id), 'hex');
    const given = Buffer.from(sig, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

export function newFileId(): string {
  return `file-${randomUUID()}`;
}

function baseUrlOf(req: Request, prefix: string): string {
  return `${req.protocol}://${req.get('host')}${prefix}`;
}
