import type { RequestHandler, Response } from 'express';
import { type Authenticator, presentedKey } from '../auth/authenticator';
import type { Caller } from '../auth/caller';

/**
 * Every request must say who it is (`Authorization: Bearer <key>`), except in open mode (no admin key configured,
 * loopback only). The caller is kept in `res.locals.caller` for the routes. A missing, unknown or revoked key is a
 * 401, the same for each, so that a probe learns nothing of which keys exist.
 */
export function authenticate(auth: Authenticator): RequestHandler {
  return async (req, res, next) => {
    try {
      const caller = await auth.authenticate(presentedKey(req.get('authorization')));
      if (caller) {
        res.locals.caller = caller;
        return next();
      }
      res
        .status(401)
        .set('www-authenticate', 'Bearer realm="tranche"')
        .json({
          error: { type: 'unauthorized', message: 'missing, unknown or revoked Authorization: Bearer key' },
        });
    } catch (error) {
      next(error);
    }
  };
}

/** The caller `authenticate` found; a route mounted without it is a programming error. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('route served without authenticate()');
  return caller;
}
