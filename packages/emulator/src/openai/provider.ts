import { type RequestHandler, Router } from 'express';
import { errorHandler } from '../core/error-handler';
import { faultMiddleware } from '../core/fault-middleware';
import { HttpError } from '../core/http-error';
import { randomHex } from '../core/ids';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { WebhookSender } from '../core/webhook-sender';
import { requireBearer } from './auth';
import { BatchService, OPENAI_BATCH_OPTIONS, type WireBatchOptions } from './batch-service';
import { batchesRouter } from './batches-routes';
import { renderOpenAIError, statusErrorBody } from './errors';
import { FileRegistry } from './file-registry';
import { filesRouter, type WireFileOptions } from './files-routes';
import { UploadService } from './upload-service';
import { uploadsRouter } from './uploads-routes';
import { OPENAI_WEBHOOK_USER_AGENT, openAIBatchEvent } from './webhook-events';

/** Where and as whom a provider serves OpenAI's Files, Uploads and Batches wire. */
export interface OpenAIWireMount {
  /** Names its stats, faults and random streams. */
  name: string;
  /** The provider's own prefix, e.g. `/openai`: fault paths match with and without it. */
  prefix: string;
  /** Where the routes are mounted, e.g. `/openai/v1` (the SDK's `baseURL`). */
  mountPath: string;
  auth: RequestHandler;
  /** The variables that point Tranche's client at this mount (see `EmulatorProvider.clientEnv`). */
  clientEnv(emulatorUrl: string): Record<string, string>;
  /** The header that carries each response's request id, and its value (OpenAI: `x-request-id: req_…`). */
  requestId?: () => [header: string, value: string];
  /** How its batches differ from OpenAI's (expiry, request cap, queue limit); unset, OpenAI's. */
  batches?: WireBatchOptions;
  /** How long a new file stays `pending` before it is `processed`; unset, it is processed at once. */
  fileProcessingMs?: number;
  /** Whether it has the Uploads API (OpenAI does); default true. */
  uploads?: boolean;
  /** How its file objects and files list differ from OpenAI's; unset, OpenAI's. */
  files?: WireFileOptions;
  /** Answers `GET /batches` in its own way (Groq pages with `cursor`); unset, OpenAI's cursor page. */
  batchList?: (batches: BatchService) => RequestHandler;
  /** Sends OpenAI's signed `batch.*` webhook events once a target is set (`/_emulator/webhooks/<name>`). */
  webhooks?: boolean;
}

export const OPENAI_PREFIX = '/openai';

const OPENAI: OpenAIWireMount = {
  name: 'openai',
  prefix: OPENAI_PREFIX,
  mountPath: `${OPENAI_PREFIX}/v1`,
  auth: requireBearer,
  clientEnv: (url) => ({ OPENAI_BASE_URL: `${url}${OPENAI_PREFIX}/v1` }),
  webhooks: true,
};

/** OpenAI Files, Uploads and Batches, served at `/openai/v1` (the SDK's `baseURL` must end in `/v1`). */
export function createOpenAIProvider(ctx: EmulatorContext): EmulatorProvider {
  return createOpenAIWireProvider(ctx, OPENAI);
}

/** OpenAI's batch wire as `mount` serves it: its own files, uploads and batches. */
export function createOpenAIWireProvider(ctx: EmulatorContext, mount: OpenAIWireMount): EmulatorProvider {
  const files = new FileRegistry();
  const webhooks = mount.webhooks ? new WebhookSender(OPENAI_WEBHOOK_USER_AGENT) : undefined;
  const batchOptions = mount.batches ?? OPENAI_BATCH_OPTIONS;
  const batches = new BatchService(
    ctx,
    files,
    mount.name,
    webhooks
      ? {
          ...batchOptions,
          onEnded: (batch) => {
            const event = openAIBatchEvent(batch);
            if (event) webhooks.send(event, batch.id);
          },
        }
      : batchOptions,
  );
  const uploads = new UploadService(ctx, files, mount.name);

  const router = Router();
  router.use((_req, res, next) => {
    const [header, value] = mount.requestId?.() ?? ['x-request-id', `req_${randomHex(32)}`];
    res.set(header, value);
    next();
  });
  router.use(mount.auth);
  router.use(
    faultMiddleware({
      provider: mount.name,
      providerPrefix: mount.prefix,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: statusErrorBody,
    }),
  );
  router.use(filesRouter(ctx, files, mount.name, mount.fileProcessingMs, mount.files));
  if (mount.uploads ?? true) router.use(uploadsRouter(ctx, uploads));
  router.use(batchesRouter(batches, mount.batchList?.(batches)));
  router.use((req) => {
    throw new HttpError(
      404,
      `Invalid URL (${req.method} ${req.baseUrl.slice(mount.prefix.length)}${req.path})`,
      {
        type: 'invalid_request_error',
        code: null,
      },
    );
  });
  router.use(errorHandler(renderOpenAIError));

  return {
    name: mount.name,
    mountPath: mount.mountPath,
    clientEnv: mount.clientEnv,
    router,
    webhooks,
    reset() {
      webhooks?.reset();
      batches.reset();
      ctx.blobs.discard([...uploads.reset(), ...files.clear()]);
    },
    async close() {
      webhooks?.reset();
      await batches.close();
    },
  };
}
