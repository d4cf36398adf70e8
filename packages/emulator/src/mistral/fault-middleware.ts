import type { RequestHandler } from 'express';
import type { FaultRegistry } from '../core/faults';
import { dropResponse } from '../core/response-drop';
import { holdResponse } from '../core/response-hold';
import { stallResponse } from '../core/response-stall';
import type { Scheduler } from '../core/scheduler';
import { errorObject } from './errors';

export interface MistralFaultOptions {
  faults: FaultRegistry;
  scheduler: Scheduler;
}

const DEFAULT_RETRY_AFTER_MS = 10;

/**
 * `http`, `delay` and `drop_response` faults for Mistral. Unlike core's middleware it sends only `Retry-After` in whole seconds:
 * the Mistral SDK reads nothing else and ignores a fractional value (then it falls back to its own backoff).
 * Paths match as `/v1/batch/jobs` and as `/batch/jobs`.
 */
export function mistralFaultMiddleware(options: MistralFaultOptions): RequestHandler {
  const { faults, scheduler } = options;
  return (req, res, next) => {
    const path = req.path;
    const call = {
      provider: 'mistral',
      method: req.method,
      paths: path.startsWith('/v1/') ? [path, path.slice(3)] : [path],
    };
    const fault = faults.takeHttp(call);
    if (fault) {
      const retryAfterMs = fault.retry_after_ms ?? DEFAULT_RETRY_AFTER_MS;
      res.set('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      res.status(fault.status).json(errorObject(fault.status, fault.message));
      return;
    }
    const drop = faults.takeDropResponse(call);
    const delay = faults.takeDelay(call);
    const stall = faults.takeStallBody(call);
    if (drop) dropResponse(res);
    else if (delay && delay.ms > 0) holdResponse(res, delay.ms, scheduler);
    if (stall && !drop) stallResponse(res, stall.after_bytes);
    next();
  };
}
