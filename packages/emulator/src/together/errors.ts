import { HttpError } from '../core/http-error';

/** Together answers errors in OpenAI's envelope. */
export interface TogetherErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function typeForStatus(status: number): string {
  if (status === 401) return 'invalid_api_key';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function messageForStatus(status: number): string {
  if (status === 401) return 'Invalid API key provided.';
  if (status === 429) return 'Rate limit exceeded, please try again later.';
  if (status === 503) return 'The server is overloaded, please try again later.';
  if (status >= 500) return 'Internal server error.';
  if (status === 404) return 'Not found.';
  return 'Invalid request.';
}

/** The body of an injected status (faults). */
export function errorBody(status: number, message?: string): TogetherErrorBody {
  return {
    error: {
      message: message ?? messageForStatus(status),
      type: typeForStatus(status),
      param: null,
      code: null,
    },
  };
}

export function renderTogetherError(error: HttpError): TogetherErrorBody {
  return {
    error: {
      message: error.message,
      type: error.details.type ?? typeForStatus(error.status),
      param: error.details.param ?? null,
      code: error.details.code ?? null,
    },
  };
}

export function badRequest(message: string, param: string | null = null): HttpError {
  return new HttpError(400, message, { type: 'invalid_request_error', param, code: null });
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message, { type: 'invalid_request_error', param: null, code: null });
}

export function forbidden(message: string): HttpError {
  return new HttpError(403, message, { type: 'invalid_request_error', param: null, code: null });
}
