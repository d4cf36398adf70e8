import { jobFailuresQuerySchema, jobListQuerySchema } from '@tranche/contracts';
import { Router } from 'express';
import type { z } from 'zod';
import { CostQueryError } from '../costs/cost-query';
import type { TrancheService } from '../tranche-service';
import { callerOf } from './auth';

/**
 * The query checked against its contract schema; the first refusal is a 400 `invalid_query` naming the parameter
 * (a repeated parameter, an unknown one, a value out of range), as `GET /v1/costs` answers.
 */
function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys((schema as unknown as z.ZodObject).shape).join(', ');
    throw new CostQueryError(String(issue.keys[0]), `unknown parameter; expected ${known}`);
  }
  const parameter = String(issue.path[0] ?? 'query');
  const message = issue.code === 'invalid_type' ? 'give it once, as a plain value' : issue.message;
  throw new CostQueryError(parameter, message);
}

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
