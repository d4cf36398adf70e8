import { once } from 'node:events';
import express, { Router } from 'express';
import type { TrancheService } from '../tranche-service';
import { readNdjsonJob } from './ndjson-job';

export function jobsRouter(service: TrancheService, maxBodyBytes: number): Router {
  const router = Router();
  router.post('/jobs', async (req, res, next) => {
    if (!req.is('application/x-ndjson')) return next();
    const { header, inputs } = await readNdjsonJob(req);
    res.status(202).json(await service.submitStream(header, inputs));
  });
  router.post('/jobs', express.json({ limit: maxBodyBytes }), async (req, res) => {
    res.status(202).json(await service.submit(req.body));
  });
  router.get('/jobs/:id', async (req, res) => {
    res.json(await service.get(req.params.id));
  });
  router.get('/jobs/:id/results', async (req, res) => {
    const results = await service.results(req.params.id);
    res.status(200).type('application/x-ndjson');
    const closed = once(res, 'close');
    for await (const result of results) {
      // A client that goes away mid-stream ends the loop, which releases the database cursor.
      if (!res.write(`${JSON.stringify(result)}\n`)) await Promise.race([once(res, 'drain'), closed]);
      if (res.destroyed) return;
    }
    res.end();
  });
  router.post('/jobs/:id/cancel', async (req, res) => {
    res.json(await service.cancel(req.params.id));
  });
  return router;
}
