import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Request, Router } from 'express';
import { releaseHold } from '../core/response-hold';
import type { ApiVersion } from './api-version';
import type { BatchService } from './batch-service';
import { parseBetas } from './model-limits';
import { parseListQuery } from './pagination';

const BATCHES = '/v1/messages/batches';

/** Where this client reached the emulator, e.g. `http://127.0.0.1:8788/anthropic`. */
function apiRoot(req: Request): string {
  return `${req.protocol}://${req.get('host')}${req.baseUrl}`;
}

export function batchesRouter(batches: BatchService): Router {
  const router = Router();

  // No body parser: the body (up to 256 MB) is scanned as it streams in.
  router.post(BATCHES, async (req, res) => {
    const length = req.get('content-length');
    const batch = await batches.create({
      body: req,
      declaredBytes: length === undefined ? null : Number(length),
      version: res.locals.apiVersion as ApiVersion,
      apiRoot: apiRoot(req),
      // Betas are the create call's: one header for every request of the batch. Names are not checked.
      betas: parseBetas(req.get('anthropic-beta')),
    });
    res.json(batch);
  });

  router.get(BATCHES, async (req, res) => {
    res.json(await batches.list(parseListQuery(req.query), apiRoot(req)));
  });

  router.get(`${BATCHES}/:id`, async (req, res) => {
    res.json(await batches.get(String(req.params.id), apiRoot(req)));
  });

  router.post(`${BATCHES}/:id/cancel`, async (req, res) => {
    res.json(await batches.cancel(String(req.params.id), apiRoot(req)));
  });

  router.delete(`${BATCHES}/:id`, async (req, res) => {
    res.json(await batches.delete(String(req.params.id)));
  });

  router.get(`${BATCHES}/:id/results`, async (req, res) => {
    const path = await batches.resultsPath(String(req.params.id));
    await releaseHold(res);
    // UNCONFIRMED: the real content type; the SDK reads the body as JSONL whatever it says.
    res.status(200).set('content-type', 'application/binary');
    try {
      await pipeline(createReadStream(path), res);
    } catch {
      // The client went away mid-download (it gave up on a stalled body, or was stopped): nothing to answer.
      res.destroy();
    }
  });

  return router;
}
