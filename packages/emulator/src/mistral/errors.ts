import { HttpError } from '../core/http-error';
import type { MistralErrorObject } from './types';

/** Seen live: `{"object":"error","message":"Rate limit exceeded","type":"rate_limited","code":"1300",…}`. */
function typeForStatus(status: number): string {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'internal_server_error';
  return 'invalid_request_error';
}

function codeForStatus(status: number): string | null {
  return status === 429 ? '1300' : null;
}

function messageForStatus(status: number): string {
  if (status === 429) return 'Rate limit exceeded';
  if (status === 503) return 'Service unavailable, please try again later.';
  if (status >= 500) return 'Internal server error';
  if (status === 404) return 'Not found';
  if (status === 422) return 'Invalid request';
  return 'Bad request';
}

/** Mistral's error object for a bare status (injected faults, per-request failures). */
export function errorObject(status: number, message?: string): MistralErrorObject {
  return {
    object: 'error',
    message: message ?? messageForStatus(status),
    type: typeForStatus(status),
    param: null,
    code: codeForStatus(status),
    raw_status_code: status,
  };
}

/** An auth failure is FastAPI's `{"detail": …}` (seen live: `{"detail":"Invalid API Key"}`), not the error object. */
export function renderMistralError(error: HttpError): MistralErrorObject | { detail: string } {
  if (error.status === 401) return { detail: error.message };
  return {
    object: 'error',
    message: error.message,
    type: error.details.type ?? typeForStatus(error.status),
    param: error.details.param ?? null,
    code: error.details.code === undefined ? codeForStatus(error.status) : error.details.code,
    raw_status_code: error.status,
  };
}

export function badRequest(message: string, param: string | null = null): HttpError {
  return new HttpError(400, message, { type: 'invalid_request_error', param, code: null });
}

/** Mistral answers schema violations of a request body with 422 (FastAPI/pydantic validation). */
export function unprocessable(message: string, param: string | null = null): HttpError {
  return new HttpError(422, message, { type: 'invalid_request_error', param, code: null });
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message, { type: 'invalid_request_error', param: null, code: null });
}
