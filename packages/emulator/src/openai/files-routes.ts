import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Request, Router } from 'express';
import { unixSeconds } from '../core/clock';
import { receiveMultipart } from '../core/multipart';
import type { EmulatorContext } from '../core/provider';
import { releaseHold } from '../core/response-hold';
import { badRequest, missingParameter, notFound } from './errors';
import { newWireFile, parseExpiresAfter, parsePurpose } from './file-object';
import type { FileRegistry, StoredFile } from './file-registry';
import { parseLimit, queryString } from './pagination';
import type { FileDeleted } from './types';

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

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
      const object = newWireFile({
        purpose,
        filename: file.filename,
        bytes: file.bytes,
        createdAt: unixSeconds(ctx.clock.now()),
        ttlSeconds: parseExpiresAfter(
          upload.fields.get('expires_after[anchor]'),
          upload.fields.get('expires_after[seconds]'),
        ),
      });
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
