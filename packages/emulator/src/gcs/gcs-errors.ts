import { HttpError } from '../core/http-error';

/** The JSON API's error envelope: `{error: {code, message, errors: [{message, domain, reason}]}}`. */
export interface GcsErrorBody {
  error: {
    code: number;
    message: string;
    errors: Array<{ message: string; domain: string; reason: string }>;
  };
}

function reasonForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'required';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'conflict';
    case 412:
      return 'conditionNotMet';
    case 429:
      return 'rateLimitExceeded';
    default:
      return status >= 500 ? 'backendError' : 'invalid';
  }
}

function messageForStatus(status: number): string {
  if (status === 429)
    return 'The rate of change requests to the object exceeds the rate limit. Please reduce the rate.';
  if (status === 503) return 'We encountered an internal error. Please try again.';
  if (status >= 500) return 'Backend Error';
  return 'Invalid request.';
}

export function gcsErrorBody(status: number, message?: string, reason?: string): GcsErrorBody {
  const text = message ?? messageForStatus(status);
  return {
    error: {
      code: status,
      message: text,
      errors: [{ message: text, domain: 'global', reason: reason ?? reasonForStatus(status) }],
    },
  };
}

export function renderGcsError(error: HttpError): GcsErrorBody {
  return gcsErrorBody(error.status, error.message, error.details.code ?? undefined);
}

export function gcsError(status: number, message: string, reason?: string): HttpError {
  return new HttpError(status, message, { code: reason ?? reasonForStatus(status) });
}

export const noSuchObject = (bucket: string, name: string): HttpError =>
  gcsError(404, `No such object: ${bucket}/${name}`);

export const preconditionFailed = (): HttpError =>
  gcsError(412, 'At least one of the pre-conditions you specified did not hold.');
