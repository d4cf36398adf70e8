import express, { type ErrorRequestHandler, type RequestHandler, Router } from 'express';
import { ZodError, z } from 'zod';
import { faultMiddleware } from '../core/fault-middleware';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { S3ObjectStore } from '../s3/object-store';
import { createS3Provider } from '../s3/provider';
import { newRequestId } from '../s3/s3-errors';
import { bedrockError, nameForStatus, toBedrockError, validation } from './errors';
import { BedrockJobService } from './job-service';
import {
  applyBedrockOptions,
  type BedrockOptions,
  type BedrockOptionsInput,
  DEFAULT_BEDROCK_OPTIONS,
  renderBedrockOptions,
} from './options';
import { jobsHandler } from './routes';

export const BEDROCK_PREFIX = '/bedrock';

const INJECTED = Symbol('injected Bedrock error');

/**
 * Bedrock's batch inference control plane at `/bedrock` (`AWS_ENDPOINT_URL_BEDROCK`), reading inputs from and
 * writing outputs to the emulated S3. Requests must carry a SigV4 `authorization` (not checked); its credential scope
 * names the region of the job ARNs. `GET|POST /bedrock/_emulator/options` shows or changes the switches for what AWS
 * leaves open (see `options.ts`). Faults name it `provider: "bedrock"`.
 */
export function createBedrockProvider(
  ctx: EmulatorContext,
  store: S3ObjectStore,
  initialOptions: BedrockOptions,
): EmulatorProvider {
  let options = initialOptions;
  const jobs = new BedrockJobService(ctx, store, () => options);

  const router = Router();
  router.use((_req, res, next) => {
    const requestId = newRequestId();
    res.set('x-amzn-requestid', requestId);
    // The shared fault middleware answers with `res.json(errorBody)`; restJson1 names the error in a header.
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (typeof body === 'object' && body !== null && INJECTED in body) {
        const { name, message } = (body as { [INJECTED]: { name: string; message: string } })[INJECTED];
        res.set('x-amzn-errortype', name);
        return json({ message });
      }
      return json(body);
    };
    next();
  });
  router.get('/_emulator/options', (_req, res) => {
    res.json(renderBedrockOptions(options));
  });
  router.post('/_emulator/options', express.json(), (req, res) => {
    try {
      options = applyBedrockOptions(options, req.body ?? {});
    } catch (error) {
      throw validation(error instanceof ZodError ? z.prettifyError(error) : String(error));
    }
    res.json(renderBedrockOptions(options));
  });
  router.use(requireSignature);
  router.use(
    faultMiddleware({
      provider: 'bedrock',
      providerPrefix: BEDROCK_PREFIX,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: (status, message) => ({
        [INJECTED]: { name: nameForStatus(status), message: message ?? defaultMessage(status) },
      }),
    }),
  );
  router.use(jobsHandler(jobs));
  router.use((req) => {
    throw bedrockError(
      'UnknownOperationException',
      `No Bedrock operation at ${req.method} ${req.baseUrl}${req.path}.`,
    );
  });
  router.use(((err, _req, res, _next) => {
    const error = toBedrockError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(error.status)
      .set('x-amzn-errortype', error.details.code!)
      .type('application/json')
      .send(JSON.stringify({ message: error.message }));
  }) as ErrorRequestHandler);

  return {
    name: 'bedrock',
    mountPath: BEDROCK_PREFIX,
    // Every AWS variable Tranche reads, S3's included: one region and one set of credentials serve both clients.
    clientEnv: (url) => ({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'emulator',
      AWS_SECRET_ACCESS_KEY: 'emulator-not-a-secret',
      AWS_ENDPOINT_URL_BEDROCK: `${url}${BEDROCK_PREFIX}`,
      AWS_ENDPOINT_URL_S3: `${url}/s3`,
      BEDROCK_ROLE_ARN: 'arn:aws:iam::000000000000:role/tranche-emulator',
      BEDROCK_S3_BUCKET: 'tranche-emulator',
      BEDROCK_S3_FORCE_PATH_STYLE: 'true',
    }),
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

/**
 * S3 (`/s3`) and Bedrock batch inference (`/bedrock`), sharing one object store: jobs read their input from it and
 * write their output into it. Bytes uploaded to S3 count as `stats.bedrock.bytes`.
 */
export function createAwsProviders(ctx: EmulatorContext): EmulatorProvider[] {
  return awsProvidersWith({})(ctx);
}

/** The same, with the Bedrock switches preset (see `options.ts`), e.g. `{ min_records: 1 }`. */
export function awsProvidersWith(input: BedrockOptionsInput) {
  const options = applyBedrockOptions(DEFAULT_BEDROCK_OPTIONS, input);
  return (ctx: EmulatorContext): EmulatorProvider[] => {
    const store = new S3ObjectStore(ctx.blobs, ctx.clock);
    return [
      createS3Provider(ctx, store, { statsProvider: 'bedrock' }),
      createBedrockProvider(ctx, store, options),
    ];
  };
}

const requireSignature: RequestHandler = (req, _res, next) => {
  if (!(req.get('authorization') ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
    throw bedrockError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  next();
};

function defaultMessage(status: number): string {
  if (status === 429) return 'Too many requests, please wait before trying again.';
  if (status === 503) return 'Service unavailable. Try again later.';
  if (status >= 500) return 'Internal server error.';
  return 'The request was refused.';
}
