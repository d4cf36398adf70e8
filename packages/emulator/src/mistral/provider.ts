import express, { Router } from 'express';
import { ZodError, z } from 'zod';
import { errorHandler } from '../core/error-handler';
import { faultMiddleware } from '../core/fault-middleware';
import { HttpError } from '../core/http-error';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import type { ProviderFactory } from '../providers';
import { requireBearer } from './auth';
import { errorObject, renderMistralError } from './errors';
import { FileRegistry } from './file-registry';
import { filesRouter } from './files-routes';
import { JobService } from './job-service';
import { jobsRouter } from './jobs-routes';
import {
  DEFAULT_MISTRAL_OPTIONS,
  type MistralOptionsInput,
  MistralSwitches,
  mistralOptionsSchema,
} from './options';

export const MISTRAL_MOUNT_PATH = '/mistral';

/**
 * Mistral Files and Batch Inference at `/mistral` (SDK `serverURL` = `${emulator.url}/mistral`; routes `/v1/...`).
 * `GET|POST /mistral/_emulator/options` read and switch the behaviours `options.ts` describes.
 */
export function mistralProviderFactory(input: MistralOptionsInput = {}): ProviderFactory {
  const initial = { ...DEFAULT_MISTRAL_OPTIONS, ...stripUndefined(mistralOptionsSchema.parse(input)) };
  return (ctx) => buildMistralProvider(ctx, new MistralSwitches(initial));
}

/** The default factory, for `DEFAULT_PROVIDERS`. */
export const createMistralProvider: ProviderFactory = mistralProviderFactory();

function buildMistralProvider(ctx: EmulatorContext, switches: MistralSwitches): EmulatorProvider {
  const files = new FileRegistry();
  const jobs = new JobService(ctx, files, switches);

  const router = Router();
  router.use('/_emulator', controlRouter(switches));
  router.use(requireBearer);
  router.use(
    faultMiddleware({
      provider: 'mistral',
      providerPrefix: MISTRAL_MOUNT_PATH,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: (status, message) => errorObject(status, message),
      unversionedPaths: true,
      retryHeaders: 'seconds',
    }),
  );
  router.use(filesRouter(ctx, files));
  router.use(jobsRouter(ctx, jobs, switches));
  router.use((req) => {
    throw new HttpError(404, `No emulated Mistral route for ${req.method} ${req.path}`);
  });
  router.use(errorHandler(renderMistralError));

  return {
    name: 'mistral',
    mountPath: MISTRAL_MOUNT_PATH,
    clientEnv: (url) => ({ MISTRAL_SERVER_URL: `${url}${MISTRAL_MOUNT_PATH}` }),
    router,
    reset() {
      switches.reset();
      ctx.blobs.discard([...jobs.reset(), ...files.clear()]);
    },
    async close() {
      await jobs.close();
    },
  };
}

function controlRouter(switches: MistralSwitches): Router {
  const router = Router();
  router.get('/options', (_req, res) => {
    res.json(switches.get());
  });
  router.post('/options', express.json(), (req, res) => {
    try {
      res.json(switches.merge(req.body ?? {}));
    } catch (error) {
      const message = error instanceof ZodError ? z.prettifyError(error) : String(error);
      res.status(400).json({ error: { message } });
    }
  });
  return router;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
