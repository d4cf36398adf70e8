import type { Logger } from '@tranche/config';
import type { ErrorRequestHandler } from 'express';
import { ForbiddenError } from '../auth/caller';
import { KeyNotFoundError } from '../auth/key-admin';
import { CostQueryError } from '../costs/cost-query';
import { BudgetExceededError } from '../intake/budget-check';
import { IdempotencyKeyReusedError } from '../intake/idempotency';
import { JobValidationError, RequestValidationError } from '../intake/validation-error';
import { BudgetNotFoundError, JobAlreadyFinishedError, JobNotFoundError } from '../tranche-service';
import { NotConfiguredError } from '../webhooks/rotate-secret';
import { BodyIdleError } from './body-idle';
import { BodyTooLargeError } from './metered-body';

/** Every error leaves as `{error: {type, message, ...}}` with the right status; internals are logged, not sent. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (error instanceof JobValidationError) {
      res
        .status(400)
        .json({ error: { type: 'invalid_job', message: error.message, problems: error.problems } });
      return;
    }
    if (error instanceof CostQueryError) {
      res
        .status(400)
        .json({ error: { type: 'invalid_query', message: error.message, parameter: error.parameter } });
      return;
    }
    if (error instanceof RequestValidationError) {
      res
        .status(400)
        .json({ error: { type: 'invalid_request', message: error.message, problems: error.problems } });
      return;
    }
    if (error instanceof IdempotencyKeyReusedError) {
      res
        .status(422)
        .json({ error: { type: 'idempotency_key_reused', message: error.message, header: error.field } });
      return;
    }
    if (error instanceof BodyIdleError) {
      // The client stopped sending: close the connection once it is answered rather than wait for the rest.
      res.set('connection', 'close');
      res.status(408).json({ error: { type: 'body_timeout', message: error.message } });
      return;
    }
    if (error instanceof BodyTooLargeError) {
      res.status(413).json({ error: { type: 'too_large', message: error.message } });
      return;
    }
    if (error instanceof BudgetExceededError) {
      res
        .status(402)
        .json({ error: { type: 'budget_exceeded', message: error.message, details: error.details } });
      return;
    }
    if (error instanceof ForbiddenError) {
      res.status(403).json({
        error: { type: 'forbidden', message: error.message, ...(error.field ? { field: error.field } : {}) },
      });
      return;
    }
    if (error instanceof NotConfiguredError) {
      res
        .status(409)
        .json({ error: { type: 'not_configured', message: error.message, setting: error.setting } });
      return;
    }
    if (
      error instanceof JobNotFoundError ||
      error instanceof BudgetNotFoundError ||
      error instanceof KeyNotFoundError
    ) {
      res.status(404).json({ error: { type: 'not_found', message: error.message } });
      return;
    }
    if (error instanceof JobAlreadyFinishedError) {
      res
        .status(409)
        .json({ error: { type: 'already_finished', message: error.message, status: error.jobStatus } });
      return;
    }
    const bodyError = error as { type?: string; status?: number };
    if (bodyError.type === 'entity.parse.failed') {
      res
        .status(400)
        .json({ error: { type: 'invalid_json', message: 'the request body is not valid JSON' } });
      return;
    }
    if (bodyError.type === 'entity.too.large') {
      res
        .status(413)
        .json({ error: { type: 'too_large', message: 'the request body is over MAX_BODY_BYTES' } });
      return;
    }
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed');
    res.status(500).json({ error: { type: 'internal', message: 'internal error' } });
  };
}
