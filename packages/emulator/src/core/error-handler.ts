import type { ErrorRequestHandler } from 'express';
import { HttpError } from './http-error';

/** Renders any error as JSON in the provider's envelope. */
export function errorHandler(render: (error: HttpError) => unknown): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const error = toHttpError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(error.status)
      .set(error.details.headers ?? {})
      .json(render(error));
  };
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const status = typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : 500;
  if (status === 400 && err instanceof SyntaxError) {
    return new HttpError(400, 'We could not parse the JSON body of your request.', {
      type: 'invalid_request_error',
    });
  }
  if (status === 413) {
    return new HttpError(413, 'Request body too large.', { type: 'invalid_request_error' });
  }
  if (status >= 400 && status < 500) {
    return new HttpError(status, err instanceof Error ? err.message : 'Bad request', {
      type: 'invalid_request_error',
    });
  }
  console.error('[emulator] unexpected error', err);
  return new HttpError(500, 'The server had an error while processing your request. Sorry about that!', {
    type: 'server_error',
  });
}
