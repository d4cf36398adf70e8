import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { Router } from 'express';
import { FileRegistry, type StoredFile } from '../core/file-registry';
import { sendFile } from '../core/file-transfer';
import { randomBase62 } from '../core/ids';
import { LineCounter } from '../core/line-counter';
import type { EmulatorContext } from '../core/provider';
import { timestamp } from '../vertex/proto-json';
import { invalidArgument, notFound } from './errors';

/** A `File` resource as the API shows it (sizeBytes is an int64 string). */
export interface WireFile {
  name: string;
  displayName?: string;
  mimeType: string;
  sizeBytes: string;
  createTime: string;
  updateTime: string;
  expirationTime: string;
  sha256Hash?: string;
  uri: string;
  downloadUri?: string;
  state: 'ACTIVE';
  source: 'UPLOADED' | 'GENERATED';
}

export interface GeminiFile extends WireFile {
  /** The registry's key: the id in `files/{id}`. */
  id: string;
}

/** Files live 48 h (the Files guide). */
const FILE_TTL_MS = 48 * 3600 * 1000;
/** At most 2 GB per file. */
export const MAX_FILE_BYTES = 2_000_000_000;

interface UploadSession {
  path: string;
  received: number;
  displayName?: string;
  mimeType: string;
}

export function render(file: GeminiFile): WireFile {
  const { id: _id, ...wire } = file;
  return wire;
}

/** Uploaded request files and the responses files batches write, with the resumable upload protocol. */
export class GeminiFiles extends FileRegistry<GeminiFile> {
  private sessions = new Map<string, UploadSession>();

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly prefix: string,
  ) {
    super();
  }

  /** `files/{id}` or `{id}` to the stored file, or the API's 404. */
  require(name: string): StoredFile<GeminiFile> {
    const id = name.replace(/^files\//, '');
    const file = this.get(id);
    if (!file) throw notFound(`File files/${id} not found.`);
    return file;
  }

  addFile(
    path: string,
    bytes: number,
    lines: number,
    init: { id?: string; displayName?: string; mimeType: string; source: 'UPLOADED' | 'GENERATED' },
    baseUrl: string,
  ): GeminiFile {
    const id = init.id ?? randomBase62(12).toLowerCase();
    const now = this.ctx.clock.now();
    const file: GeminiFile = {
      id,
      name: `files/${id}`,
      mimeType: init.mimeType,
      sizeBytes: String(bytes),
      createTime: timestamp(now),
      updateTime: timestamp(now),
      expirationTime: timestamp(now + FILE_TTL_MS),
      uri: `${baseUrl}/v1beta/files/${id}`,
      state: 'ACTIVE',
      source: init.source,
    };
    if (init.displayName) file.displayName = init.displayName;
    if (init.source === 'GENERATED')
      file.downloadUri = `${baseUrl}/download/v1beta/files/${id}:download?alt=media`;
    this.add(file, path, lines);
    return file;
  }

  clearAll(): string[] {
    const paths = [...this.clear(), ...[...this.sessions.values()].map((s) => s.path)];
    this.sessions = new Map();
    return paths;
  }

  router(): Router {
    const router = Router();
    router.post('/upload/:v/files', async (req, res) => {
      const command = (req.get('x-goog-upload-command') ?? '').toLowerCase();
      const uploadId = String(req.query.upload_id ?? '').replace(/\/+$/, '');
      if (command.includes('start')) {
        const body = await readJson(req);
        const file = (body.file ?? {}) as Record<string, unknown>;
        const mimeType = String(
          file.mimeType ??
            file.mime_type ??
            req.get('x-goog-upload-header-content-type') ??
            'application/octet-stream',
        );
        const id = randomBase62(24);
        const session: UploadSession = {
          path: this.ctx.blobs.newPath('gemini-upload'),
          received: 0,
          mimeType,
        };
        const displayName = file.displayName ?? file.display_name;
        if (typeof displayName === 'string') session.displayName = displayName;
        this.sessions.set(id, session);
        const url = `${req.protocol}://${req.get('host')}${this.prefix}/upload/${req.params.v}/files?upload_id=${id}&upload_protocol=resumable`;
        res.set('x-goog-upload-url', url).set('x-goog-upload-status', 'active').status(200).end();
        return;
      }
      const session = this.sessions.get(uploadId);
      if (!session) throw notFound('No such upload session.');
      if (!command.includes('upload') && !command.includes('finalize'))
        throw invalidArgument(`Unknown X-Goog-Upload-Command "${command}".`);
      const offset = Number(req.get('x-goog-upload-offset') ?? session.received);
      if (offset !== session.received)
        throw invalidArgument(`The upload offset ${offset} is not the ${session.received} bytes received.`);
      await pipeline(req, createWriteStream(session.path, { flags: 'a' }));
      session.received = (await stat(session.path).catch(() => ({ size: 0 }))).size;
      if (session.received > MAX_FILE_BYTES) throw invalidArgument('A file can be at most 2 GB.');
      if (!command.includes('finalize')) {
        res.set('x-goog-upload-status', 'active').status(200).end();
        return;
      }
      this.sessions.delete(uploadId);
      const lines = await countLines(session.path);
      this.ctx.stats.add('gemini', { bytes: session.received });
      const file = this.addFile(
        session.path,
        session.received,
        lines,
        { displayName: session.displayName, mimeType: session.mimeType, source: 'UPLOADED' },
        baseUrlOf(req, this.prefix),
      );
      res.set('x-goog-upload-status', 'final').json({ file: render(file) });
    });

    router.get('/:v/files', (req, res) => {
      const size = Math.min(100, Math.max(1, Number(req.query.pageSize ?? 10) || 10));
      const start = Number(req.query.pageToken ?? 0) || 0;
      const all = this.select(() => true, 'desc');
      const page = all.slice(start, start + size).map(render);
      const body: Record<string, unknown> = { files: page };
      if (start + size < all.length) body.nextPageToken = String(start + size);
      res.json(body);
    });

    const download = async (res: Response, spec: string) => {
      const id = spec.replace(/:download$/, '');
      const file = this.require(id);
      if (file.object.source !== 'GENERATED')
        throw invalidArgument('Only generated files can be downloaded.');
      await sendFile(res, file.path, {
        contentType: 'application/octet-stream',
        bytes: Number(file.object.sizeBytes),
      });
    };
    router.get('/download/:v/files/:spec', (req, res) => download(res, String(req.params.spec)));
    router.get('/:v/files/:spec', async (req, res) => {
      const spec = String(req.params.spec);
      if (spec.endsWith(':download')) return download(res, spec);
      res.json(render(this.require(spec).object));
    });
    router.delete('/:v/files/:id', async (req, res) => {
      const file = this.require(String(req.params.id));
      this.delete(file.object.id);
      await this.ctx.blobs.remove(file.path);
      res.json({});
    });
    return router;
  }
}

export function baseUrlOf(req: Request, prefix: string): string {
  return `${req.protocol}://${req.get('host')}${prefix}`;
}

async function readJson(req: Request): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    throw invalidArgument('Invalid JSON payload received.');
  }
}

async function countLines(path: string): Promise<number> {
  const { createReadStream } = await import('node:fs');
  const counter = new LineCounter();
  counter.resume();
  await pipeline(createReadStream(path), counter);
  return counter.lines;
}
