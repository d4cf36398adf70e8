import type { RequestHandler } from 'express';
import { HttpError } from '../core/http-error';
import { isApiVersion } from './api-version';
import { badRequest } from './errors';

/**
 * A key in `x-api-key`, or (what SDK 1.x sends) `Authorization: Bearer`, and a known `anthropic-version`,
 * which is kept in `res.locals.apiVersion`.
 */
export const requireAuth: RequestHandler = (req, res, next) => {
  const bearer = /^Bearer\s+\S/i.test(req.get('authorization') ?? '');
  if (!req.get('x-api-key') && !bearer) {
    throw new HttpError(401, 'x-api-key header is required', { type: 'authentication_error' });
  }
  const version = req.get('anthropic-version');
  if (!version) throw badRequest('anthropic-version: header is required');
  if (!isApiVersion(version)) throw badRequest(`anthropic-version: unknown version '${version}'`);
  res.locals.apiVersion = version;
  next();
};
