import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { TrancheQueues } from '@tranche/queues';
import { type Request, type RequestHandler, Router } from 'express';
import { type Authenticator, presentedKey } from '../auth/authenticator';

/** Where `bullBoardRouter` must be mounted: the board's page links its assets and API under this path. */
export const BULL_BOARD_PATH = '/admin/queues';

/** A browser asked with this shows its login prompt: any user name, the admin key as the password. */
const CHALLENGE = 'Basic realm="tranche bull board", charset="UTF-8"';
const READS = new Set(['GET', 'HEAD']);
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface BullBoardOptions {
  auth: Authenticator;
  /** False: the board only shows the queues (no retry, clean, add, promote, pause...). */
  writable: boolean;
}

/**
 * The Bull Board (page, assets and API), for admin keys only: as the password of HTTP Basic, or as a Bearer header.
 * In open mode the operator on loopback needs no key. Read-only unless `writable`: the adapters are in readOnlyMode
 * and, not to depend on the board's own checks, anything but GET and HEAD is refused here.
 */
export function bullBoardRouter(queues: TrancheQueues, options: BullBoardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: !options.writable })),
    serverAdapter,
  });
  const router = Router();
  router.use(adminOnly(options.auth));
  router.use(options.writable ? sameOriginWrites : readOnly);
  router.use(serverAdapter.getRouter() as RequestHandler);
  return router;
}

function adminOnly(auth: Authenticator): RequestHandler {
  return async (req, res, next) => {
    try {
      // An empty key is no key: the Authenticator would take it for the operator in open mode.
      const key = presentedKey(req.get('authorization'), true) || null;
      // In open mode no key is the operator, but only from this machine: the board is never open to the network.
      const caller = key === null && auth.open && !fromLoopback(req) ? null : await auth.authenticate(key);
      if (caller?.role === 'admin') return next();
      res
        .status(401)
        .set('www-authenticate', CHALLENGE)
        .json({ error: { type: 'unauthorized', message: 'the queue board needs an admin key' } });
    } catch (error) {
      next(error);
    }
  };
}

function fromLoopback(req: Request): boolean {
  return LOOPBACK.has(req.socket.remoteAddress ?? '');
}

const readOnly: RequestHandler = (req, res, next) => {
  if (READS.has(req.method)) return next();
  res
    .status(405)
    .set('allow', 'GET, HEAD')
    .json({ error: { type: 'read_only', message: 'the queue board is read-only' } });
};

/**
 * A browser sends the Basic credentials it remembers along with any request to this origin, from any page: a write
 * from another site's page (which the browser marks so) is refused. Clients that are not browsers send no such mark.
 */
const sameOriginWrites: RequestHandler = (req, res, next) => {
  const site = req.get('sec-fetch-site');
  if (READS.has(req.method) || site === undefined || site === 'same-origin' || site === 'none') return next();
  res
    .status(403)
    .json({ error: { type: 'forbidden', message: 'a write to the queue board from another site' } });
};
