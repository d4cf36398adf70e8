import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `Authorization: Bearer <key>` against the configured keys; no keys configured means no check. */
export function bearerAuth(keys: string[] | undefined): RequestHandler {
  return (req, res, next) => {
    if (!keys || keys.length === 0) return next();
    const header = req.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (token && keys.some((key) => same(key, token))) return next();
    res
      .status(401)
      .json({ error: { type: 'unauthorized', message: 'missing or wrong Authorization: Bearer key' } });
  };
}
