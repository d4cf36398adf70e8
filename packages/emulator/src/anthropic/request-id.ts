import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import { randomBase62 } from '../core/ids';

const current = new AsyncLocalStorage<string>();

/** Anthropic names every response with a `request-id` header, repeated as `request_id` in error bodies. */
export const assignRequestId: RequestHandler = (_req, res, next) => {
  const id = `req_${randomBase62(24)}`;
  res.set('request-id', id);
  res.locals.requestId = id;
  current.run(id, next);
};

/** The id of the request being handled, for error bodies built away from `res` (injected faults). */
export function currentRequestId(): string | null {
  return current.getStore() ?? null;
}
