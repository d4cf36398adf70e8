import type { RequestHandler } from 'express';
import { HttpError } from '../core/http-error';

const NO_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";

export const requireBearer: RequestHandler = (req, _res, next) => {
  const header = req.get('authorization') ?? '';
  if (!/^Bearer\s+\S/i.test(header)) {
    throw new HttpError(401, NO_KEY, { type: 'invalid_request_error', param: null, code: null });
  }
  next();
};
