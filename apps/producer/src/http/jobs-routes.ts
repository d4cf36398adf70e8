import { once } from 'node:events';
import express, { type Request, Router } from 'express';
import { RequestValidationError } from '../intake/validation-error';
import type { TrancheService } from '../tranche-service';
import { readNdjsonJob } from './ndjson-job';

/** `?dry_run=true`: validate and estimate the job, write and queue nothing. */
function isDryRun(req: Request): boolean {
  const value = req.query.dry_run;
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw new RequestValidationError([{ field: 'dry_run', message: 'must be true or false' }]);
}

export function jobsRouter(service: TrancheService, maxBodyBytes: number): Router {
  const router = Router();
  router.post('/jobs', async (req, res, next) => {
    if (!req.is('application/x-ndjson')) return next();
    const dryRun = isDryRun(req);
    const { header, inputs } = await readNdjsonJob(req);
    if (dryRun) res.status(200).json(await service.estimateStream(header, inputs));
    else res.status(202).json(await service.submitStream(header, inputs));
  });
  router.post('/jobs', express.json({ limit: maxBodyBytes }), async (req, res) => {
    if (isDryRun(req)) res.status(200).json(await service.estimate(req.body));
    else res.status(202).json(await service.submit(req.body));
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
