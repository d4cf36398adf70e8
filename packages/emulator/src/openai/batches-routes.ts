import express, { type RequestHandler, Router } from 'express';
import { parseBatchParams } from './batch-params';
import type { BatchService } from './batch-service';
import { parseLimit, queryString } from './pagination';

/**
 * The Batches API. `list` answers `GET /batches` instead of OpenAI's `after`/`limit` cursor page (Groq pages its own
 * way).
 */
export function batchesRouter(batches: BatchService, list?: RequestHandler): Router {
  const router = Router();

  router.post('/batches', express.json({ limit: '1mb' }), async (req, res) => {
    res.json(await batches.create(parseBatchParams(req.body, batches.completionWindows, batches.endpoints)));
  });

  router.get(
    '/batches',
    list ??
      (async (req, res) => {
        const limit = parseLimit(req.query.limit, 1, 100, 20);
        res.json(await batches.list(queryString(req.query.after, 'after'), limit));
      }),
  );

  router.get('/batches/:id', async (req, res) => {
    res.json(await batches.get(String(req.params.id)));
  });

  router.post('/batches/:id/cancel', async (req, res) => {
    res.json(await batches.cancel(String(req.params.id)));
  });

  return router;
}
