import { Router } from 'express';
import { errorHandler } from '../core/error-handler';
import { faultMiddleware } from '../core/fault-middleware';
import { HttpError } from '../core/http-error';
import { randomHex } from '../core/ids';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { requireBearer } from './auth';
import { BatchService } from './batch-service';
import { batchesRouter } from './batches-routes';
import { renderOpenAIError, statusErrorBody } from './errors';
import { FileRegistry } from './file-registry';
import { filesRouter } from './files-routes';
import { UploadService } from './upload-service';
import { uploadsRouter } from './uploads-routes';

export const OPENAI_PREFIX = '/openai';

/** OpenAI Files, Uploads and Batches, served at `/openai/v1` (the SDK's `baseURL` must end in `/v1`). */
export function createOpenAIProvider(ctx: EmulatorContext): EmulatorProvider {
  ctx.stats.register('openai');
  const files = new FileRegistry();
  const batches = new BatchService(ctx, files);
  const uploads = new UploadService(ctx, files);

  const router = Router();
  router.use((_req, res, next) => {
    res.set('x-request-id', `req_${randomHex(32)}`);
    next();
  });
  router.use(requireBearer);
  router.use(
    faultMiddleware({
      provider: 'openai',
      providerPrefix: OPENAI_PREFIX,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: statusErrorBody,
    }),
  );
  router.use(filesRouter(ctx, files));
  router.use(uploadsRouter(ctx, uploads));
  router.use(batchesRouter(batches));
  router.use((req) => {
    throw new HttpError(
      404,
      `Invalid URL (${req.method} ${req.baseUrl.slice(OPENAI_PREFIX.length)}${req.path})`,
      {
        type: 'invalid_request_error',
        code: null,
      },
    );
  });
  router.use(errorHandler(renderOpenAIError));

  return {
    name: 'openai',
    mountPath: `${OPENAI_PREFIX}/v1`,
    router,
    reset() {
      batches.reset();
      for (const path of [...uploads.reset(), ...files.clear()])
        void ctx.blobs.remove(path).catch(() => undefined);
    },
    async close() {
      await batches.close();
    },
  };
}
