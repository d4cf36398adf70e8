import { Router } from 'express';
import type { TrancheService } from '../tranche-service';
import { callerOf } from './auth';
import { DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS } from './body-idle';
import { jobPagesRouter } from './job-pages-routes';
import { DEFAULT_RESULTS_STREAM_IDLE_TIMEOUT_MS, writeNdjson } from './ndjson-stream';
import { submitRouter } from './submit-routes';

/** Header of `GET /v1/jobs/:id/results`: how many lines the stream holds, so that a cut one can be told apart. */
export const RESULT_COUNT_HEADER = 'X-Result-Count';

export interface StreamTimeouts {
  /** `RESULTS_STREAM_IDLE_TIMEOUT_MS`: a results download whose client takes nothing for this long is cut. */
  resultsIdleMs?: number;
  /** `REQUEST_BODY_IDLE_TIMEOUT_MS`: a job body that sends nothing for this long is refused (408). */
  bodyIdleMs?: number;
}

export function jobsRouter(
  service: TrancheService,
  maxBodyBytes: number,
  timeouts: StreamTimeouts = {},
): Router {
  const router = Router();
  router.use(
    submitRouter(service, maxBodyBytes, timeouts.bodyIdleMs ?? DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS),
  );
  // What the job pages read: the jobs list and a job's failures by reason.
  router.use(jobPagesRouter(service));
  router.get('/jobs/:id', async (req, res) => {
    res.json(await service.get(callerOf(res), req.params.id));
  });
  router.get('/jobs/:id/results', async (req, res) => {
    const { count, lines } = await service.resultLines(callerOf(res), req.params.id);
    res.status(200).type('application/x-ndjson').set(RESULT_COUNT_HEADER, String(count));
    // A client that goes away, or stops reading, ends the loop, which releases the database cursor.
    await writeNdjson(res, lines, timeouts.resultsIdleMs ?? DEFAULT_RESULTS_STREAM_IDLE_TIMEOUT_MS);
  });
  router.post('/jobs/:id/cancel', async (req, res) => {
    res.json(await service.cancel(callerOf(res), req.params.id));
  });
  return router;
}
