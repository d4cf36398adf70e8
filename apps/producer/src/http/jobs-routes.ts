import { once } from 'node:events';
import express, { Router } from 'express';
import type { TrancheService } from '../tranche-service';

export function jobsRouter(service: TrancheService, maxBodyBytes: number): Router {
  const router = Router();
  router.post('/jobs', express.json({ limit: maxBodyBytes }), async (req, res) => {
    const response = await service.submit(req.body);
    res.status(202).json(response);
  });
  router.get('/jobs/:id', async (req, res) => {
    res.json(await service.get(req.params.id));
  });
  router.get('/jobs/:id/results', async (req, res) => {
    const results = await service.results(req.params.id);
    res.status(200).type('application/x-ndjson');
    for await (const result of results) {
      if (!res.write(`${JSON.stringify(result)}\n`)) await once(res, 'drain');
      if (res.destroyed) return;
    }
    res.end();
  });
  router.post('/jobs/:id/cancel', async (req, res) => {
    res.json(await service.cancel(req.params.id));
  });
  return router;
}
