import type { ErrorRequestHandler } from 'express';
import { HttpError } from '../core/http-error';
import { currentRequestId } from './request-id';
import type { ErrorObject, ErrorResponse, ErrorType, RequestErrorType } from './types';

/** The error type Anthropic pairs with each status (errors doc). */
export function errorTypeForStatus(status: number): ErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

const MESSAGES: Partial<Record<ErrorType, string>> = {
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit.',
  timeout_error: 'Request timed out.',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

export function errorForStatus(status: number, message?: string): ErrorObject {
  const type = errorTypeForStatus(status);
  return { type, message: message ?? MESSAGES[type] ?? 'Invalid request' };
}

/** The error a batch request gets for an injected status (a request cannot be "too large" on its own). */
export function requestErrorForStatus(status: number): ErrorObject<RequestErrorType> {
  const error = errorForStatus(status);
  return error.type === 'request_too_large'
    ? { type: 'invalid_request_error', message: error.message }
    : { ...error, type: error.type };
}

export function errorResponse(error: ErrorObject, requestId: string | null): ErrorResponse {
  return { type: 'error', error, request_id: requestId };
}

/** The body of an injected fault. */
export function statusErrorBody(status: number, message: string | undefined): ErrorResponse {
  return errorResponse(errorForStatus(status, message), currentRequestId());
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message, { type: 'invalid_request_error' });
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message, { type: 'not_found_error' });
}

export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `Request exceeds the maximum allowed number of bytes (${maxBytes}).`, {
    type: 'request_too_large',
  });
}

/** Renders every error in Anthropic's envelope, with the request's id. */
export const renderAnthropicError: ErrorRequestHandler = (err, _req, res, _next) => {
  const error = toHttpError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const type = (error.details.type as ErrorType | undefined) ?? errorTypeForStatus(error.status);
  res
    .status(error.status)
    .set(error.details.headers ?? {})
    .json(errorResponse({ type, message: error.message }, (res.locals.requestId as string) ?? null));
};

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const status = typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : 500;
  if (status >= 400 && status < 500) {
    return new HttpError(status, err instanceof Error ? err.message : 'Invalid request');
  }
  console.error('[emulator] unexpected error', err);
  return new HttpError(500, 'Internal server error', { type: 'api_error' });
}
