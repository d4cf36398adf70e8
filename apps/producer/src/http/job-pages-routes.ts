import { jobFailuresQuerySchema, jobListQuerySchema } from '@tranche/contracts';
import { Router } from 'express';
import { parseQuery } from '../intake/query-parameters';
import type { TrancheService } from '../tranche-service';
import { callerOf } from './auth';

/** `GET /v1/jobs` (the jobs list) and `GET /v1/jobs/:id/failures`: what the job pages of the dashboard read. */
export function jobPagesRouter(service: TrancheService): Router {
  const router = Router();
  router.get('/jobs', async (req, res) => {
    const query = parseQuery(jobListQuerySchema, req.query);
    res.json(await service.listJobs(callerOf(res), query));
  });
  router.get('/jobs/:id/failures', async (req, res) => {
    const { examples } = parseQuery(jobFailuresQuerySchema, req.query);
    res.json(await service.failures(callerOf(res), req.params.id, examples));
  });
  return router;
}
