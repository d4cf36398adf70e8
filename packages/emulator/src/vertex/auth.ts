import type { RequestHandler } from 'express';
import { googleError } from './google-errors';

/** Any bearer token (or an express-mode API key) will do; none at all is refused like the real API does. */
export const requireGoogleAuth: RequestHandler = (req, _res, next) => {
  const bearer = /^Bearer\s+\S/i.test(req.get('authorization') ?? '');
  if (!bearer && !req.get('x-goog-api-key')) {
    throw googleError(
      401,
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      'UNAUTHENTICATED',
    );
  }
  next();
};
