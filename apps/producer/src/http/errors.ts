import type { Logger } from '@tranche/config';
import type { ErrorBody } from '@tranche/contracts';
import type { ErrorRequestHandler, Response } from 'express';
import { ForbiddenError } from '../auth/caller';
import { KeyNotFoundError } from '../auth/key-admin';
import { BudgetExceededError } from '../intake/budget-check';
import { IdempotencyKeyReusedError } from '../intake/idempotency';
import { QueryParameterError } from '../intake/query-parameters';
import { JobValidationError, RequestValidationError } from '../intake/validation-error';
import { BudgetNotFoundError, JobAlreadyFinishedError, JobNotFoundError } from '../tranche-service';
import { NotConfiguredError } from '../webhooks/rotate-secret';
import { BodyIdleError } from './body-idle';
import { InvalidJsonBodyError } from './json-grammar';
import { BodyTooLargeError } from './metered-body';

/** An error answer, held to the contract's Error schema. */
function answer(res: Response, status: number, error: ErrorBody['error']): void {
  res.status(status).json({ error } satisfies ErrorBody);
}

/** Every error leaves as `{error: {type, message, ...}}` with the right status; internals are logged, not sent. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (error instanceof JobValidationError) {
      answer(res, 400, { type: 'invalid_job', message: error.message, problems: error.problems });
      return;
    }
    if (error instanceof QueryParameterError) {
      answer(res, 400, { type: 'invalid_query', message: error.message, parameter: error.parameter });
      return;
    }
    if (error instanceof RequestValidationError) {
      answer(res, 400, { type: 'invalid_request', message: error.message, problems: error.problems });
      return;
    }
    if (error instanceof IdempotencyKeyReusedError) {
      answer(res, 422, { type: 'idempotency_key_reused', message: error.message, header: error.field });
      return;
    }
    if (error instanceof BodyIdleError) {
      // The client stopped sending: close the connection once it is answered rather than wait for the rest.
      res.set('connection', 'close');
      answer(res, 408, { type: 'body_timeout', message: error.message });
      return;
    }
    if (error instanceof InvalidJsonBodyError) {
      answer(res, 400, { type: 'invalid_json', message: error.message });
      return;
    }
    if (error instanceof BodyTooLargeError) {
      answer(res, 413, { type: 'too_large', message: error.message });
      return;
    }
    if (error instanceof BudgetExceededError) {
      answer(res, 402, { type: 'budget_exceeded', message: error.message, details: error.details });
      return;
    }
    if (error instanceof ForbiddenError) {
      answer(res, 403, {
        type: 'forbidden',
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
      });
      return;
    }
    if (error instanceof NotConfiguredError) {
      answer(res, 409, { type: 'not_configured', message: error.message, setting: error.setting });
      return;
    }
    if (
      error instanceof JobNotFoundError ||
      error instanceof BudgetNotFoundError ||
      error instanceof KeyNotFoundError
    ) {
      answer(res, 404, { type: 'not_found', message: error.message });
      return;
    }
    if (error instanceof JobAlreadyFinishedError) {
      answer(res, 409, { type: 'already_finished', message: error.message, status: error.jobStatus });
      return;
    }
    const bodyError = error as { type?: string; status?: number };
    if (bodyError.type === 'entity.parse.failed') {
      answer(res, 400, { type: 'invalid_json', message: 'the request body is not valid JSON' });
      return;
    }
    if (bodyError.type === 'entity.too.large') {
      answer(res, 413, { type: 'too_large', message: 'the request body is over MAX_BODY_BYTES' });
      return;
    }
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed');
    answer(res, 500, { type: 'internal', message: 'internal error' });
  };
}
