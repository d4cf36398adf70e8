import type { Request } from 'express';
import { gcsError } from './gcs-errors';

export function query(req: Request, name: string): string | null {
  const value = req.query[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return null;
}

/** A bucket or object name from the (still encoded) path. */
export function decodeName(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw gcsError(400, `Invalid URL encoding: ${segment}`);
  }
}

export function origin(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}

/** Where the JSON API is served, for `selfLink`s: `http://host:port/gcs/storage/v1`. */
export function apiBase(req: Request): string {
  return `${origin(req)}${req.baseUrl}/storage/v1`;
}
