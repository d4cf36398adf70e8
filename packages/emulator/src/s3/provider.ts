import { type ErrorRequestHandler, type RequestHandler, Router } from 'express';
import { faultMiddleware } from '../core/fault-middleware';
import { HttpError } from '../core/http-error';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import type { S3ObjectStore } from './object-store';
import { s3Handler } from './routes';
import { codeForStatus, errorXml, newRequestId, S3Error } from './s3-errors';
import { S3Uploads } from './uploads';

export const S3_PREFIX = '/s3';

export interface S3ProviderOptions {
  /** Who is charged for uploaded bytes in `stats` (S3 serves as Bedrock's storage). */
  statsProvider: string;
}

const INJECTED = Symbol('injected S3 error');

/**
 * The S3 subset Tranche uses, path-style at `/s3` (`AWS_ENDPOINT_URL_S3` with `forcePathStyle`). Requests must be
 * signed (SigV4 header or query), but signatures are not checked. Faults name it `provider: "s3"`.
 */
export function createS3Provider(
  ctx: EmulatorContext,
  store: S3ObjectStore,
  options: S3ProviderOptions,
): EmulatorProvider {
  const onUploaded = (bytes: number) => ctx.stats.add(options.statsProvider, { bytes });
  const uploads = new S3Uploads(store, ctx.blobs, onUploaded);
  const router = Router();
  router.use((_req, res, next) => {
    res.locals.requestId = newRequestId();
    res.set('x-amz-request-id', res.locals.requestId as string);
    res.set('x-amz-id-2', 'emulator');
    // The shared fault middleware answers with `res.json(errorBody)`; S3 answers XML, so its bodies are turned here.
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (isInjected(body)) {
        const { code, message } = body[INJECTED];
        return res.type('application/xml').send(errorXml(code, message, res.locals.requestId as string));
      }
      return json(body);
    };
    next();
  });
  router.use(requireSignature);
  router.use(
    faultMiddleware({
      provider: 's3',
      providerPrefix: S3_PREFIX,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: (status, message) => {
        const known = codeForStatus(status);
        return { [INJECTED]: { code: known.code, message: message ?? known.message } };
      },
    }),
  );
  router.use(s3Handler({ store, uploads, onUploaded }));
  router.use(((err, _req, res, _next) => {
    const error = toS3Error(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(error.status)
      .type('application/xml')
      .send(errorXml(error.code, error.message, res.locals.requestId as string, error.resource));
  }) as ErrorRequestHandler);

  return {
    name: 's3',
    mountPath: S3_PREFIX,
    // The Bedrock provider names every AWS variable, these included (they point one client configuration at both).
    clientEnv: () => ({}),
    router,
    reset() {
      uploads.reset();
      store.clear();
    },
    async close() {},
  };
}

function isInjected(body: unknown): body is { [INJECTED]: { code: string; message: string } } {
  return typeof body === 'object' && body !== null && INJECTED in body;
}

const requireSignature: RequestHandler = (req, _res, next) => {
  const header = req.get('authorization') ?? '';
  const signedQuery = /[?&]X-Amz-Signature=/i.test(req.url);
  if (!header.startsWith('AWS4-HMAC-SHA256 ') && !signedQuery) {
    throw new S3Error(403, 'AccessDenied', 'Access Denied');
  }
  next();
};

function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (err instanceof HttpError) return new S3Error(err.status, codeForStatus(err.status).code, err.message);
  console.error('[emulator] unexpected S3 error', err);
  return new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
}
