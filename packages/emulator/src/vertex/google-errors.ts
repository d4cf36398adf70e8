import { STATUS_CODES } from 'node:http';
import { HttpError } from '../core/http-error';

/** google.rpc.Code names by HTTP status, as Google APIs report them in `error.status`. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** google.rpc.Code numbers, for `BatchPredictionJob.error.code`. */
export const RPC_CODES = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  FAILED_PRECONDITION: 9,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

export function defaultMessage(status: number): string {
  switch (status) {
    case 429:
      return 'Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model. Please submit a quota increase request.';
    case 503:
      return 'The service is currently unavailable.';
    case 504:
      return 'The request timed out. Please try again.';
    case 401:
      return 'Request had invalid authentication credentials.';
    case 404:
      return 'The requested resource was not found.';
    default:
      return status >= 500 ? 'Internal error encountered.' : 'Request contains an invalid argument.';
  }
}

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string };
}

export function googleErrorBody(status: number, message?: string, name?: string): GoogleErrorBody {
  return {
    error: { code: status, message: message ?? defaultMessage(status), status: name ?? statusName(status) },
  };
}

export function renderGoogleError(error: HttpError): GoogleErrorBody {
  // Express's body parser fails with its own wording; Google says this.
  const message =
    error.status === 400 &&
    error.details.type === 'invalid_request_error' &&
    /parse the JSON/.test(error.message)
      ? 'Invalid JSON payload received.'
      : error.message;
  return googleErrorBody(error.status, message, error.details.code ?? undefined);
}

export function googleError(status: number, message: string, name?: string): HttpError {
  return new HttpError(status, message, { code: name ?? statusName(status) });
}

export const invalidArgument = (message: string): HttpError => googleError(400, message, 'INVALID_ARGUMENT');
export const failedPrecondition = (message: string): HttpError =>
  googleError(400, message, 'FAILED_PRECONDITION');
export const notFound = (message: string): HttpError => googleError(404, message, 'NOT_FOUND');

/**
 * How a failed row's `status` reads in predictions.jsonl. The real format is not documented (UNCONFIRMED); we
 * write the HTTP reason phrase followed by the Google error JSON, e.g.
 * `Bad Request: {"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT"}}`.
 */
export function rowStatus(status: number, message?: string): string {
  return `${STATUS_CODES[status] ?? 'Error'}: ${JSON.stringify(googleErrorBody(status, message))}`;
}
