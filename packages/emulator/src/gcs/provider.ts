import { Router } from 'express';
import { errorHandler } from '../core/error-handler';
import { faultMiddleware } from '../core/fault-middleware';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { gcsError, gcsErrorBody, renderGcsError } from './gcs-errors';
import { gcsHandler } from './gcs-routes';
import type { GcsObjectStore } from './object-store';
import { GcsUploads } from './uploads';

export const GCS_PREFIX = '/gcs';

export interface GcsProviderOptions {
  /** Who is charged for uploaded bytes in `stats` (GCS serves as Vertex's storage). */
  statsProvider: string;
}

/**
 * Cloud Storage's JSON API at `/gcs` (the storage SDK's `apiEndpoint`). No auth: with a custom endpoint the SDK
 * sends none. Faults name it `provider: "gcs"`.
 */
export function createGcsProvider(
  ctx: EmulatorContext,
  store: GcsObjectStore,
  options: GcsProviderOptions,
): EmulatorProvider {
  const uploads = new GcsUploads(store, (object) =>
    ctx.stats.add(options.statsProvider, { bytes: object.size }),
  );
  const router = Router();
  router.use(
    faultMiddleware({
      provider: 'gcs',
      providerPrefix: GCS_PREFIX,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: (status, message) => gcsErrorBody(status, message),
    }),
  );
  router.use(gcsHandler(store, uploads));
  router.use((req) => {
    throw gcsError(404, `Not Found: ${req.method} ${req.baseUrl}${req.path}`);
  });
  router.use(errorHandler(renderGcsError));

  return {
    name: 'gcs',
    mountPath: GCS_PREFIX,
    clientEnv: (url) => ({ GCS_API_ENDPOINT: `${url}${GCS_PREFIX}` }),
    router,
    reset() {
      for (const path of uploads.reset()) void ctx.blobs.remove(path).catch(() => undefined);
      store.clear();
    },
    async close() {},
  };
}
