import express, { Router } from 'express';
import { receiveUpload } from '../core/file-transfer';
import type { EmulatorContext } from '../core/provider';
import { badRequest, missingParameter } from './errors';
import { MAX_PART_BYTES, parseUploadComplete, parseUploadCreate } from './upload-params';
import type { UploadService } from './upload-service';

/** The Uploads API: create, add parts (multipart field `data`), complete, cancel. */
export function uploadsRouter(ctx: EmulatorContext, uploads: UploadService): Router {
  const router = Router();
  const json = express.json({ limit: '1mb' });

  router.post('/uploads', json, (req, res) => {
    res.json(uploads.create(parseUploadCreate(req.body)));
  });

  router.post('/uploads/:id/parts', async (req, res) => {
    const id = String(req.params.id);
    uploads.assertAcceptsParts(id);
    const options = {
      fileField: 'data',
      newPath: () => ctx.blobs.newPath('part'),
      maxFileBytes: MAX_PART_BYTES,
    };
    const part = await receiveUpload(req, ctx.blobs, options, ({ file: data }) => {
      if (!data) throw missingParameter('data');
      if (data.truncated) {
        throw badRequest('Part is too large. The maximum part size is 64 MB.', 'data', 'part_too_large');
      }
      return uploads.addPart(id, data.path, data.bytes);
    });
    res.json(part);
  });

  router.post('/uploads/:id/complete', json, async (req, res) => {
    res.json(await uploads.complete(String(req.params.id), parseUploadComplete(req.body)));
  });

  router.post('/uploads/:id/cancel', async (req, res) => {
    res.json(await uploads.cancel(String(req.params.id)));
  });

  return router;
}
