import express, { Router } from 'express';
import { ZodError, z } from 'zod';
import { errorHandler } from '../core/error-handler';
import { faultMiddleware } from '../core/fault-middleware';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import type { GcsObjectStore } from '../gcs/object-store';
import { requireGoogleAuth } from './auth';
import { googleError, googleErrorBody, renderGoogleError } from './google-errors';
import { VertexJobService } from './job-service';
import { jobsHandler } from './jobs-routes';
import { applyVertexOptions, renderVertexOptions, type VertexOptions } from './options';

export const VERTEX_PREFIX = '/vertex';

/**
 * Vertex AI batch prediction (`batchPredictionJobs`) at `/vertex`: the `@google/genai` SDK's
 * `httpOptions.baseUrl` (it appends `/{apiVersion}/projects/{p}/locations/{l}/…`). Inputs and outputs live in
 * the emulated GCS. `GET|POST /vertex/_emulator/options` shows or changes the switches for what Google leaves open
 * (docs/providers/vertex.md#open-questions).
 */
export function createVertexProvider(
  ctx: EmulatorContext,
  store: GcsObjectStore,
  initialOptions: VertexOptions,
): EmulatorProvider {
  let options = initialOptions;
  const jobs = new VertexJobService(ctx, store, () => options);

  const router = Router();
  router.get('/_emulator/options', (_req, res) => {
    res.json(renderVertexOptions(options));
  });
  router.post('/_emulator/options', express.json(), (req, res) => {
    try {
      options = applyVertexOptions(options, req.body ?? {});
    } catch (error) {
      const message = error instanceof ZodError ? z.prettifyError(error) : String(error);
      throw googleError(400, message, 'INVALID_ARGUMENT');
    }
    res.json(renderVertexOptions(options));
  });
  router.use(requireGoogleAuth);
  router.use(
    faultMiddleware({
      provider: 'vertex',
      providerPrefix: VERTEX_PREFIX,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: (status, message) => googleErrorBody(status, message),
    }),
  );
  router.use(jobsHandler(jobs));
  router.use((req) => {
    throw googleError(
      404,
      `The requested URL ${req.baseUrl}${req.path} was not found on this server.`,
      'NOT_FOUND',
    );
  });
  router.use(errorHandler(renderGoogleError));

  return {
    name: 'vertex',
    mountPath: VERTEX_PREFIX,
    clientEnv: (url) => ({ VERTEX_BASE_URL: `${url}${VERTEX_PREFIX}` }),
    router,
    reset() {
      jobs.reset();
      options = initialOptions;
    },
    async close() {
      await jobs.close();
    },
  };
}
