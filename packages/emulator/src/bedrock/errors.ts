import { HttpError } from '../core/http-error';

/** The restJson1 errors of the Bedrock control plane: status, `x-amzn-errortype: <Name>`, body `{"message"}`. */
export type BedrockErrorName =
  | 'ValidationException'
  | 'ConflictException'
  | 'ServiceQuotaExceededException'
  | 'AccessDeniedException'
  | 'ResourceNotFoundException'
  | 'ThrottlingException'
  | 'InternalServerException'
  | 'ServiceUnavailableException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException';

const STATUS: Record<BedrockErrorName, number> = {
  ValidationException: 400,
  ConflictException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
  SerializationException: 400,
  UnknownOperationException: 404,
  MissingAuthenticationTokenException: 403,
};

export function bedrockError(name: BedrockErrorName, message: string): HttpError {
  return new HttpError(STATUS[name], message, { code: name });
}

export const validation = (message: string) => bedrockError('ValidationException', message);

/** What an injected status is called. */
export function nameForStatus(status: number): BedrockErrorName {
  switch (status) {
    case 400:
      return 'ValidationException';
    case 403:
      return 'AccessDeniedException';
    case 404:
      return 'ResourceNotFoundException';
    case 409:
      return 'ConflictException';
    case 429:
      return 'ThrottlingException';
    case 503:
      return 'ServiceUnavailableException';
    default:
      return status >= 500 ? 'InternalServerException' : 'ValidationException';
  }
}

/** Any error as the Bedrock error it is answered as. */
export function toBedrockError(err: unknown): HttpError {
  if (err instanceof HttpError && err.details.code) return err;
  const status =
    err instanceof HttpError
      ? err.status
      : typeof err === 'object' && err !== null && 'status' in err
        ? Number(err.status)
        : 500;
  if (
    status === 400 &&
    (err instanceof SyntaxError || (err as { type?: string })?.type === 'entity.parse.failed')
  ) {
    return bedrockError('SerializationException', 'The request body is not valid JSON.');
  }
  if (status === 413) return validation('The request body is too large.');
  if (status >= 400 && status < 500) {
    return bedrockError(nameForStatus(status), err instanceof Error ? err.message : 'Bad request');
  }
  console.error('[emulator] unexpected Bedrock error', err);
  return bedrockError('InternalServerException', 'Internal server error.');
}
