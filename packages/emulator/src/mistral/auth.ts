import type { RequestHandler } from 'express';
import { HttpError } from '../core/http-error';

/** `Authorization: Bearer <key>`; any key is accepted. */
export const requireBearer: RequestHandler = (req, _res, next) => {
  const header = req.get('authorization') ?? '';
  if (!/^Bearer\s+\S/i.test(header)) throw new HttpError(401, 'Unauthorized');
  next();
};
