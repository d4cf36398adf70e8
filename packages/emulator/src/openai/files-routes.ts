import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Request, Router } from 'express';
import { unixSeconds } from '../core/clock';
import { receiveMultipart } from '../core/multipart';
import type { EmulatorContext } from '../core/provider';
import { releaseHold } from '../core/response-hold';
import { badRequest, missingParameter, notFound } from './errors';
import { type FileRegistry, newFileId, type StoredFile } from './file-registry';
import { parseLimit, queryString } from './pagination';
import type { FileDeleted, WireFile } from './types';

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const UPLOAD_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;
type UploadPurpose = (typeof UPLOAD_PURPOSES)[number];
const MIN_EXPIRY_S = 3600;
const MAX_EXPIRY_S = 30 * 24 * 3600;
/** Batch input files expire after 30 days unless `expires_after` says otherwise. */
const BATCH_FILE_TTL_S = 30 * 24 * 3600;

export function filesRouter(ctx: EmulatorContext, files: FileRegistry): Router {
  const router = Router();

  router.post('/files', async (req, res) => {
    const upload = await receiveMultipart(req, {
      fileField: 'file',
      newPath: () => ctx.blobs.newPath('upload'),
      maxFileBytes: MAX_UPLOAD_BYTES,
    });
    try {
      const file = upload.file;
      if (!file) throw missingParameter('file');
      if (file.truncated) {
        throw badRequest('File is too large. The maximum file size is 512 MB.', 'file', 'file_too_large');
      }
      const purpose = parsePurpose(upload.fields.get('purpose'));
      const createdAt = unixSeconds(ctx.clock.now());
      const ttl = parseExpiresAfter(upload.fields) ?? (purpose === 'batch' ? BATCH_FILE_TTL_S : null);
      const object: WireFile = {
        object: 'file',
        id: newFileId(),
        purpose,
        filename: file.filename,
        bytes: file.bytes,
        created_at: createdAt,
        expires_at: ttl === null ? null : createdAt + ttl,
        status: 'processed',
        status_details: null,
      };
      files.add(object, file.path, file.lines);
      ctx.stats.add('openai', { bytes: file.bytes });
      res.json(object);
    } catch (error) {
      if (upload.file) await ctx.blobs.remove(upload.file.path);
      throw error;
    }
  });

  router.get('/files', (req, res) => {
    const order = queryString(req.query.order, 'order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') {
      throw badRequest(
        `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`,
        'order',
        'invalid_value',
      );
    }
    res.json(
      files.list({
        purpose: queryString(req.query.purpose, 'purpose'),
        order,
        after: queryString(req.query.after, 'after'),
        limit: parseLimit(req.query.limit, 1, 10_000, 10_000),
      }),
    );
  });

  router.get('/files/:id', (req, res) => {
    res.json(findFile(files, req).object);
  });

  router.get('/files/:id/content', async (req, res) => {
    const file = findFile(files, req);
    await releaseHold(res);
    res.status(200);
    res.set('content-type', 'application/octet-stream');
    res.set('content-length', String(file.object.bytes));
    try {
      await pipeline(createReadStream(file.path), res);
    } catch {
      res.destroy();
    }
  });

  router.delete('/files/:id', async (req, res) => {
    const file = findFile(files, req);
    files.delete(file.object.id);
    await ctx.blobs.remove(file.path);
    const deleted: FileDeleted = { id: file.object.id, object: 'file', deleted: true };
    res.json(deleted);
  });

  return router;
}

function findFile(files: FileRegistry, req: Request): StoredFile {
  const id = String(req.params.id);
  const file = files.get(id);
  if (!file) throw notFound(`No such File object: ${id}`, 'id');
  return file;
}

function parsePurpose(value: string | undefined): UploadPurpose {
  if (value === undefined || value === '') throw missingParameter('purpose');
  if (!(UPLOAD_PURPOSES as readonly string[]).includes(value)) {
    throw badRequest(
      `Invalid value: '${value}'. Supported values are: ${UPLOAD_PURPOSES.map((p) => `'${p}'`).join(', ')}.`,
      'purpose',
      'invalid_value',
    );
  }
  return value as UploadPurpose;
}

function parseExpiresAfter(fields: Map<string, string>): number | null {
  const anchor = fields.get('expires_after[anchor]');
  const seconds = fields.get('expires_after[seconds]');
  if (anchor === undefined && seconds === undefined) return null;
  if (anchor !== 'created_at') {
    throw badRequest(
      `Invalid value: '${anchor ?? ''}'. Supported values are: 'created_at'.`,
      'expires_after.anchor',
      'invalid_value',
    );
  }
  const ttl = Number(seconds);
  if (!Number.isInteger(ttl) || ttl < MIN_EXPIRY_S || ttl > MAX_EXPIRY_S) {
    throw badRequest(
      `Invalid 'expires_after.seconds': expected an integer between ${MIN_EXPIRY_S} and ${MAX_EXPIRY_S}.`,
      'expires_after.seconds',
      'invalid_value',
    );
  }
  return ttl;
}
