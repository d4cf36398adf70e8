import type { RequestHandler } from 'express';
import type { FaultRegistry } from './faults';
import { dropResponse } from './response-drop';
import { holdResponse } from './response-hold';
import { stallResponse } from './response-stall';
import type { Scheduler } from './scheduler';

export interface FaultMiddlewareOptions {
  provider: string;
  /** Where the provider is mounted, e.g. `/openai`; paths are matched with and without it. */
  providerPrefix: string;
  faults: FaultRegistry;
  scheduler: Scheduler;
  /** The provider's error body for an injected status. */
  errorBody(status: number, message: string | undefined): unknown;
  /** Paths also match without their `/v1` (Mistral: `/batch/jobs` names `/v1/batch/jobs`). */
  unversionedPaths?: boolean;
  /**
   * `seconds`: only `Retry-After`, in whole seconds (the Mistral SDK reads nothing else and ignores a fraction).
   * By default `retry-after-ms`, `retry-after` and the fault's `x-should-retry`.
   */
  retryHeaders?: 'seconds';
}

const DEFAULT_RETRY_AFTER_MS = 10;

export function faultMiddleware(options: FaultMiddlewareOptions): RequestHandler {
  const { provider, providerPrefix, faults, scheduler } = options;
  return (req, res, next) => {
    const apiPath = req.path;
    const fullPath = req.baseUrl.slice(providerPrefix.length) + req.path;
    const paths = apiPath === fullPath ? [apiPath] : [apiPath, fullPath];
    if (options.unversionedPaths && apiPath.startsWith('/v1/')) paths.push(apiPath.slice(3));
    const call = { provider, method: req.method, paths };

    const fault = faults.takeHttp(call);
    if (fault) {
      const retryAfterMs = fault.retry_after_ms ?? DEFAULT_RETRY_AFTER_MS;
      if (options.retryHeaders === 'seconds') {
        res.set('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      } else {
        res.set('retry-after-ms', String(retryAfterMs));
        res.set('retry-after', String(retryAfterMs / 1000));
        if (fault.should_retry !== undefined) res.set('x-should-retry', String(fault.should_retry));
      }
      res.status(fault.status).json(options.errorBody(fault.status, fault.message));
      return;
    }

    // Both are taken (a zero-length delay counts calls in tests); a dropped answer needs no hold.
    const drop = faults.takeDropResponse(call);
    const delay = faults.takeDelay(call);
    const stall = faults.takeStallBody(call);
    if (drop) dropResponse(res);
    else if (delay && delay.ms > 0) holdResponse(res, delay.ms, scheduler);
    if (stall && !drop) stallResponse(res, stall.after_bytes);
    next();
  };
}
