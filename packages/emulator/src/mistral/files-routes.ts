import { Router } from 'express';
import { unixSeconds } from '../core/clock';
import { receiveUpload } from '../core/file-transfer';
import type { EmulatorContext } from '../core/provider';
import { fileContentRoutes, findFile } from '../openai-compatible/file-routes';
import { notFound, unprocessable } from './errors';
import { type FileRegistry, newFileId } from './file-registry';
import { queryInt, queryString } from './query';
import { findInvalidRequestLine } from './request-file';
import type { FilePurpose, SampleType, WireFile } from './types';

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const PURPOSES: readonly FilePurpose[] = ['fine-tune', 'batch', 'ocr'];
const SAMPLE_TYPES: Record<FilePurpose, SampleType> = {
  batch: 'batch_request',
  'fine-tune': 'instruct',
  ocr: 'instruct',
};

export function filesRouter(ctx: EmulatorContext, files: FileRegistry): Router {
  const router = Router();
  const access = { files, blobs: ctx.blobs, notFound: (id: string) => notFound(`File ${id} not found`) };

  router.post('/v1/files', async (req, res) => {
    const options = {
      fileField: 'file',
      newPath: () => ctx.blobs.newPath('mistral-upload'),
      maxFileBytes: MAX_UPLOAD_BYTES,
    };
    const object = await receiveUpload(req, ctx.blobs, options, async ({ file, fields }) => {
      if (!file) throw unprocessable("Field required: 'file'.", 'file');
      if (file.truncated) throw unprocessable('File is too large. The maximum file size is 512 MB.', 'file');
      const purpose = parsePurpose(fields.get('purpose'));
      // `expiry` and `visibility` (the SDK sends them) are accepted and ignored; files here never expire.
      if (purpose === 'batch') {
        const problem = await findInvalidRequestLine(file.path);
        if (problem) throw unprocessable(problem, 'file');
      }
      const object: WireFile = {
        id: newFileId(),
        object: 'file',
        bytes: file.bytes,
        created_at: unixSeconds(ctx.clock.now()),
        filename: file.filename,
        purpose,
        sample_type: SAMPLE_TYPES[purpose],
        source: 'upload',
        num_lines: file.lines,
        mimetype: file.mimeType || null,
        signature: null,
        expires_at: null,
        visibility: 'workspace',
      };
      files.add(object, file.path, file.lines);
      ctx.stats.add('mistral', { bytes: file.bytes });
      return object;
    });
    res.json(object);
  });

  router.get('/v1/files', (req, res) => {
    res.json(
      files.list({
        page: queryInt(req.query.page, 'page', 0, Number.MAX_SAFE_INTEGER, 0),
        pageSize: queryInt(req.query.page_size, 'page_size', 1, 10_000, 100),
        purpose: queryString(req.query.purpose, 'purpose'),
        sampleType: queryString(req.query.sample_type, 'sample_type'),
        source: queryString(req.query.source, 'source'),
        search: queryString(req.query.search, 'search'),
      }),
    );
  });

  router.get('/v1/files/:id', (req, res) => {
    res.json({ ...findFile(access, req).object, deleted: false });
  });

  router.use(fileContentRoutes('/v1/files', access));

  return router;
}

function parsePurpose(value: string | undefined): FilePurpose {
  // The API's default purpose is fine-tuning; the SDK sends whatever the caller gave.
  if (value === undefined || value === '') return 'fine-tune';
  if ((PURPOSES as readonly string[]).includes(value)) return value as FilePurpose;
  throw unprocessable(
    `Input should be ${PURPOSES.map((p) => `'${p}'`).join(', ')}; got '${value}'.`,
    'purpose',
  );
}
