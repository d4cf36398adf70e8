import { HttpError } from '../core/http-error';
import type { ApiErrorObject, ErrorEnvelope } from './types';

export function typeForStatus(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function codeForStatus(status: number): string | null {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401) return 'invalid_api_key';
  return null;
}

function messageForStatus(status: number): string {
  if (status === 429) return 'Rate limit reached for requests. Please try again shortly.';
  if (status === 503) return 'The engine is currently overloaded, please try again later.';
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  if (status === 401) return 'Incorrect API key provided.';
  if (status === 404) return 'Not found.';
  return 'Invalid request.';
}

/** The error object OpenAI sends for a bare status (injected faults, per-request failures). */
export function errorForStatus(status: number, message?: string): ApiErrorObject {
  return {
    message: message ?? messageForStatus(status),
    type: typeForStatus(status),
    param: null,
    code: codeForStatus(status),
  };
}

export function statusErrorBody(status: number, message?: string): ErrorEnvelope {
  return { error: errorForStatus(status, message) };
}

export function renderOpenAIError(error: HttpError): ErrorEnvelope {
  return {
    error: {
      message: error.message,
      type: error.details.type ?? typeForStatus(error.status),
      param: error.details.param ?? null,
      code: error.details.code === undefined ? codeForStatus(error.status) : error.details.code,
    },
  };
}

export function badRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
): HttpError {
  return new HttpError(400, message, { type: 'invalid_request_error', param, code });
}

export function notFound(message: string, param: string | null = null): HttpError {
  return new HttpError(404, message, { type: 'invalid_request_error', param, code: null });
}

export function missingParameter(param: string): HttpError {
  return badRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

export function invalidType(param: string, expected: string, value: unknown): HttpError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return badRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`,
    param,
    'invalid_type',
  );
}
