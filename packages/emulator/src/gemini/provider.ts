import express, { type RequestHandler, Router } from 'express';
import { ZodError, z } from 'zod';
import { errorHandler } from '../core/error-handler';
import { faultMiddleware } from '../core/fault-middleware';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import type { ProviderFactory } from '../providers';
import { isRecord } from '../vertex/proto-json';
import { GeminiBatches, MAX_INLINE_BYTES } from './batches';
import { googleError, googleErrorBody, invalidArgument, notFound, renderGoogleError } from './errors';
import { baseUrlOf, GeminiFiles } from './files';
import {
  DEFAULT_GEMINI_OPTIONS,
  type GeminiOptionsInput,
  GeminiSwitches,
  geminiOptionsSchema,
} from './options';

export const GEMINI_PREFIX = '/gemini';
const VERSIONS = new Set(['v1', 'v1beta']);

/**
 * The Gemini Developer API's batch mode at `/gemini`: the SDK's `httpOptions.baseUrl` (it appends
 * `/{apiVersion}/…` and `/upload/{apiVersion}/files`). Files, resumable uploads, `batches/{id}` Operations.
 * `GET|POST /gemini/_emulator/options` show or change the switches `options.ts` describes.
 */
export function geminiProviderFactory(input: GeminiOptionsInput = {}): ProviderFactory {
  const parsed = geminiOptionsSchema.parse(input);
  const initial = {
    ...DEFAULT_GEMINI_OPTIONS,
    ...Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)),
  };
  return (ctx) => buildGeminiProvider(ctx, new GeminiSwitches(initial));
}

export const createGeminiProvider: ProviderFactory = geminiProviderFactory();

/** An API key in `x-goog-api-key` or `?key=`; none is refused like the real API does. */
const requireApiKey: RequestHandler = (req, _res, next) => {
  if (!req.get('x-goog-api-key') && typeof req.query.key !== 'string') {
    throw googleError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      'PERMISSION_DENIED',
    );
  }
  next();
};

function buildGeminiProvider(ctx: EmulatorContext, switches: GeminiSwitches): EmulatorProvider {
  const files = new GeminiFiles(ctx, GEMINI_PREFIX);
  const batches = new GeminiBatches(ctx, files, switches);

  const router = Router();
  router.get('/_emulator/options', (_req, res) => {
    res.json(switches.get());
  });
  router.post('/_emulator/options', express.json(), (req, res) => {
    try {
      res.json(switches.merge(req.body ?? {}));
    } catch (error) {
      const message = error instanceof ZodError ? z.prettifyError(error) : String(error);
      throw invalidArgument(message);
    }
  });
  router.use(requireApiKey);
  router.use(
    faultMiddleware({
      provider: 'gemini',
      providerPrefix: GEMINI_PREFIX,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: (status, message) => googleErrorBody(status, message),
    }),
  );
  router.use((req, _res, next) => {
    const version = req.path.split('/').filter(Boolean)[
      req.path.startsWith('/upload/') || req.path.startsWith('/download/') ? 1 : 0
    ];
    if (version !== undefined && !VERSIONS.has(version))
      throw notFound(`The requested URL ${req.baseUrl}${req.path} was not found on this server.`);
    next();
  });
  router.use(files.router());

  router.post('/:v/models/:spec', express.json({ limit: '64mb' }), async (req, res) => {
    const spec = String(req.params.spec);
    const colon = spec.lastIndexOf(':');
    const model = colon === -1 ? spec : spec.slice(0, colon);
    const method = colon === -1 ? '' : spec.slice(colon + 1);
    if (method !== 'batchGenerateContent' && method !== 'asyncBatchEmbedContent') {
      throw notFound(`Method ${method || '(none)'} not found.`);
    }
    const declared = Number(req.get('content-length') ?? 0);
    const body = req.body;
    if (!isRecord(body) || !isRecord(body.batch))
      throw invalidArgument('The request must hold a "batch" object.');
    const config = body.batch.inputConfig ?? body.batch.input_config;
    if (isRecord(config) && config.requests !== undefined) {
      const size = declared || Buffer.byteLength(JSON.stringify(body));
      if (size > MAX_INLINE_BYTES)
        throw invalidArgument(
          `The inline requests are ${size} bytes; at most ${MAX_INLINE_BYTES} are allowed.`,
        );
    }
    const op = await batches.create({
      kind: method === 'asyncBatchEmbedContent' ? 'embedding' : 'chat',
      model: `models/${model}`,
      batch: body.batch,
      baseUrl: baseUrlOf(req, GEMINI_PREFIX),
      bytes: declared,
    });
    res.json(op);
  });

  router.get('/:v/batches', async (req, res) => {
    const size = Math.min(1000, Math.max(1, Number(req.query.pageSize ?? 50) || 50));
    const token =
      typeof req.query.pageToken === 'string' && req.query.pageToken !== '' ? req.query.pageToken : undefined;
    res.json(await batches.list(size, token));
  });
  router.get('/:v/batches/:id', async (req, res) => {
    res.json(await batches.get(String(req.params.id)));
  });
  router.post('/:v/batches/:spec', async (req, res) => {
    const spec = String(req.params.spec);
    if (!spec.endsWith(':cancel')) throw notFound(`Method not found for batches/${spec}.`);
    res.json(await batches.cancel(spec.slice(0, -':cancel'.length)));
  });
  router.delete('/:v/batches/:id', (req, res) => {
    res.json(batches.delete(String(req.params.id)));
  });

  router.use((req) => {
    throw notFound(`The requested URL ${req.baseUrl}${req.path} was not found on this server.`);
  });
  router.use(errorHandler(renderGoogleError));

  return {
    name: 'gemini',
    mountPath: GEMINI_PREFIX,
    clientEnv: (url) => ({ GEMINI_BASE_URL: `${url}${GEMINI_PREFIX}` }),
    router,
    reset() {
      switches.reset();
      ctx.blobs.discard([...batches.reset(), ...files.clearAll()]);
    },
    async close() {
      await batches.close();
    },
  };
}
