import type { Request, RequestHandler, Response } from 'express';
import { bucketResource, findObject, handleObject, listObjects, sendMedia } from './object-routes';
import type { GcsObjectStore } from './object-store';
import { apiBase, decodeName } from './request-parts';
import { handleUpload } from './upload-routes';
import type { GcsUploads } from './uploads';

// Object names arrive URL-encoded (`/` as `%2F`); `req.path` is still encoded, so one segment is one name.
const BUCKET = /^(?:\/storage\/v1)?\/b\/([^/]+)\/?$/;
const OBJECTS = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/?$/;
const OBJECT = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/;
const DOWNLOAD = /^\/download\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/;
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/;

type Handler = (req: Request, res: Response, match: RegExpExecArray) => Promise<void> | void;

/** The JSON API routes the storage SDK uses, at `/storage/v1/b/...` and (`STORAGE_EMULATOR_HOST` style) `/b/...`. */
export function gcsHandler(store: GcsObjectStore, uploads: GcsUploads): RequestHandler {
  const routes: Array<{ pattern: RegExp; method?: string; handle: Handler }> = [
    { pattern: UPLOAD, handle: (req, res, m) => handleUpload(req, res, decodeName(m[1]!), uploads) },
    {
      pattern: DOWNLOAD,
      method: 'GET',
      handle: (req, res, m) =>
        sendMedia(req, res, findObject(store, req, decodeName(m[1]!), decodeName(m[2]!))),
    },
    {
      pattern: OBJECT,
      handle: (req, res, m) => handleObject(req, res, store, decodeName(m[1]!), decodeName(m[2]!)),
    },
    {
      pattern: OBJECTS,
      method: 'GET',
      handle: (req, res, m) => {
        res.json(listObjects(req, store, decodeName(m[1]!)));
      },
    },
    {
      pattern: BUCKET,
      method: 'GET',
      handle: (req, res, m) => {
        res.json(bucketResource(decodeName(m[1]!), apiBase(req)));
      },
    },
  ];
  return async (req, res, next) => {
    for (const route of routes) {
      const match = route.pattern.exec(req.path);
      if (!match) continue;
      if (route.method && route.method !== req.method) break;
      await route.handle(req, res, match);
      return;
    }
    next();
  };
}
