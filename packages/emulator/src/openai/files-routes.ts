import { Router } from 'express';
import { unixSeconds } from '../core/clock';
import { receiveUpload } from '../core/file-transfer';
import type { EmulatorContext } from '../core/provider';
import { fileContentRoutes, findFile } from '../openai-compatible/file-routes';
import { badRequest, missingParameter, notFound } from './errors';
import { newWireFile, parseExpiresAfter, parsePurpose } from './file-object';
import type { FileRegistry } from './file-registry';
import { parseLimit, queryString } from './pagination';
import type { WireFile } from './types';

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** How a provider's Files API differs from OpenAI's in what it shows. */
export interface WireFileOptions {
  /** A file as the provider's answers show it; unset, OpenAI's object (`status`, `expires_at`, …). */
  view?: (file: WireFile) => object;
  /**
   * `GET /files` answers every file at once, oldest first, as `{object: "list", data}` with no paging fields, and
   * reads no query (Groq documents neither paging nor an order); unset, OpenAI's filtered cursor page.
   */
  wholeList?: boolean;
}

/**
 * The Files API; `provider`'s `stats()` count the bytes uploaded. With `processingMs`, a new file is `pending` that
 * long before it is `processed` (Azure OpenAI), and no batch may be made from it meanwhile.
 */
export function filesRouter(
  ctx: EmulatorContext,
  files: FileRegistry,
  provider: string,
  processingMs?: number,
  options: WireFileOptions = {},
): Router {
  const router = Router();
  const view = options.view ?? ((file: WireFile) => file);
  const access = {
    files,
    blobs: ctx.blobs,
    notFound: (id: string) => notFound(`No such File object: ${id}`, 'id'),
  };

  router.post('/files', async (req, res) => {
    const options = {
      fileField: 'file',
      newPath: () => ctx.blobs.newPath('upload'),
      maxFileBytes: MAX_UPLOAD_BYTES,
    };
    const object = await receiveUpload(req, ctx.blobs, options, ({ file, fields }) => {
      if (!file) throw missingParameter('file');
      if (file.truncated) {
        throw badRequest('File is too large. The maximum file size is 512 MB.', 'file', 'file_too_large');
      }
      const object = newWireFile({
        purpose: parsePurpose(fields.get('purpose')),
        filename: file.filename,
        bytes: file.bytes,
        createdAt: unixSeconds(ctx.clock.now()),
        ttlSeconds: parseExpiresAfter(
          fields.get('expires_after[anchor]'),
          fields.get('expires_after[seconds]'),
        ),
      });
      files.add(object, file.path, file.lines);
      ctx.stats.add(provider, { bytes: file.bytes });
      if (processingMs !== undefined) {
        // Azure's file states include `pending`, which the SDK's type does not list.
        object.status = 'pending' as WireFile['status'];
        ctx.scheduler.after(processingMs, () => {
          object.status = 'processed';
        });
      }
      return object;
    });
    res.json(view(object));
  });

  router.get('/files', (req, res) => {
    if (options.wholeList) {
      res.json({ object: 'list', data: files.select(() => true, 'asc').map(view) });
      return;
    }
    const order = queryString(req.query.order, 'order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') {
      throw badRequest(
        `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`,
        'order',
        'invalid_value',
      );
    }
    const page = files.list({
      purpose: queryString(req.query.purpose, 'purpose'),
      order,
      after: queryString(req.query.after, 'after'),
      limit: parseLimit(req.query.limit, 1, 10_000, 10_000),
    });
    res.json({ ...page, data: page.data.map(view) });
  });

  router.get('/files/:id', (req, res) => {
    res.json(view(findFile(access, req).object));
  });

  router.use(fileContentRoutes('/files', access));

  return router;
}
