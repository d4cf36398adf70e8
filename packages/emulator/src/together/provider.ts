import express, { type RequestHandler, Router } from 'express';
import { errorHandler } from '../core/error-handler';
import { faultMiddleware } from '../core/fault-middleware';
import { HttpError } from '../core/http-error';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import type { ProviderFactory } from '../providers';
import { TogetherBatches } from './batches';
import { errorBody, notFound, renderTogetherError } from './errors';
import { TogetherFiles } from './files';

export const TOGETHER_MOUNT_PATH = '/together';

/** `Authorization: Bearer <key>`; any key is accepted. */
const requireBearer: RequestHandler = (req, _res, next) => {
  if (!/^Bearer\s+\S/i.test(req.get('authorization') ?? '')) {
    throw new HttpError(401, 'Invalid API key provided.', { type: 'invalid_api_key' });
  }
  next();
};

/**
 * Together AI's Files and Batches at `/together` (the client's base URL is `${emulator.url}/together/v1`): the
 * upload's redirect to a signed URL (`PUT /together/upload/{id}?sig=…`, no API key), files, and batches on the
 * shared engine.
 */
export const createTogetherProvider: ProviderFactory = (ctx: EmulatorContext): EmulatorProvider => {
  const files = new TogetherFiles(ctx, TOGETHER_MOUNT_PATH);
  const batches = new TogetherBatches(ctx, files);

  const router = Router();
  router.use(
    faultMiddleware({
      provider: 'together',
      providerPrefix: TOGETHER_MOUNT_PATH,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody,
      unversionedPaths: true,
    }),
  );
  router.use(files.uploadRouter());
  router.use(requireBearer);
  router.use(files.router());

  router.post('/v1/batches', express.json(), (req, res) => {
    res.status(201).json(batches.create(req.body));
  });
  router.get('/v1/batches', async (_req, res) => {
    res.json(await batches.list());
  });
  router.get('/v1/batches/:id', async (req, res) => {
    res.json(await batches.get(String(req.params.id)));
  });
  router.post('/v1/batches/:id/cancel', async (req, res) => {
    res.json(await batches.cancel(String(req.params.id)));
  });

  router.use((req) => {
    throw notFound(`No emulated Together route for ${req.method} ${req.path}`);
  });
  router.use(errorHandler(renderTogetherError));

  return {
    name: 'together',
    mountPath: TOGETHER_MOUNT_PATH,
    clientEnv: (url) => ({ TOGETHER_BASE_URL: `${url}${TOGETHER_MOUNT_PATH}/v1` }),
    router,
    reset() {
      batches.reset();
      ctx.blobs.discard(files.clearAll());
    },
    async close() {
      await batches.close();
    },
  };
};
