import { Router } from 'express';
import { faultMiddleware } from '../core/fault-middleware';
import { HttpError } from '../core/http-error';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { requireAuth } from './auth';
import { BatchService, PROVIDER } from './batch-service';
import { batchesRouter } from './batches-routes';
import { renderAnthropicError, statusErrorBody } from './errors';
import { assignRequestId } from './request-id';

export const ANTHROPIC_PREFIX = '/anthropic';

/**
 * Anthropic Message Batches, served at `/anthropic` (the SDK's `baseURL`; its paths start with `/v1`).
 * Fault paths are matched as the API names them, e.g. `/v1/messages/batches`.
 */
export function createAnthropicProvider(ctx: EmulatorContext): EmulatorProvider {
  const batches = new BatchService(ctx);

  const router = Router();
  router.use(assignRequestId);
  router.use(requireAuth);
  router.use(
    faultMiddleware({
      provider: PROVIDER,
      providerPrefix: ANTHROPIC_PREFIX,
      faults: ctx.faults,
      scheduler: ctx.scheduler,
      errorBody: statusErrorBody,
    }),
  );
  router.use(batchesRouter(batches));
  router.use((req) => {
    throw new HttpError(404, `Not found: ${req.method} ${req.path}`, { type: 'not_found_error' });
  });
  router.use(renderAnthropicError);

  return {
    name: PROVIDER,
    mountPath: ANTHROPIC_PREFIX,
    clientEnv: (url) => ({ ANTHROPIC_BASE_URL: `${url}${ANTHROPIC_PREFIX}` }),
    router,
    reset() {
      batches.reset();
    },
    async close() {
      await batches.close();
    },
  };
}
