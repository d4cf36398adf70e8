import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER, submitQuerySchema } from '@tranche/contracts';
import express, { type Request, type Response, Router } from 'express';
import { type IdempotentRequest, parseIdempotencyKey, type SubmitAnswer } from '../intake/idempotency';
import { splitJobBody } from '../intake/submit-job';
import { RequestValidationError } from '../intake/validation-error';
import type { TrancheService } from '../tranche-service';
import { callerOf } from './auth';
import { discardRest, MeteredBody } from './metered-body';
import { readNdjsonJob } from './ndjson-job';

/** `Idempotency-Key`, and `Idempotent-Replayed` on an answer that repeats the one an earlier request got. */
export { IDEMPOTENCY_HEADER, REPLAYED_HEADER };

/** `?dry_run=true`: validate and estimate the job, write and queue nothing. */
function isDryRun(req: Request): boolean {
  const parsed = submitQuerySchema.shape.dry_run.safeParse(req.query.dry_run);
  if (!parsed.success)
    throw new RequestValidationError([{ field: 'dry_run', message: 'must be true or false' }]);
  return parsed.data === 'true' || parsed.data === '1' || parsed.data === '';
}

/** The request's Idempotency-Key (a dry run writes nothing, so it only checks the key's form). */
function idempotencyKeyOf(req: Request): string | null {
  return parseIdempotencyKey(req.get(IDEMPOTENCY_HEADER), IDEMPOTENCY_HEADER);
}

/** Keys are the API key's own: two callers never replay each other's answers. */
function keyed(
  res: Response,
  key: string,
  bodySha256: () => string,
  drain: () => Promise<void>,
): IdempotentRequest {
  return { scope: `key:${callerOf(res).keyId}`, key, field: IDEMPOTENCY_HEADER, bodySha256, drain };
}

function send(res: Response, answer: SubmitAnswer): void {
  if (answer.replayed) res.set(REPLAYED_HEADER, 'true');
  res.status(answer.status).json(answer.body);
}

/** SHA-256 of JSON bodies as received, kept only for requests with a key. */
const jsonBodyHashes = new WeakMap<IncomingMessage, string>();
const EMPTY_SHA256 = createHash('sha256').digest('hex');

/**
 * `POST /v1/jobs`, as NDJSON (streamed: MAX_BODY_BYTES, MAX_INPUT_BYTES and MAX_INPUTS are enforced as it arrives)
 * or as one JSON document (parsed whole, up to MAX_BODY_BYTES); both take an `Idempotency-Key`.
 */
export function submitRouter(service: TrancheService, maxBodyBytes: number, bodyIdleMs?: number): Router {
  const router = Router();
  router.post('/jobs', async (req, res, next) => {
    if (!req.is('application/x-ndjson')) return next();
    const maxInputBytes = service.limits.maxInputBytes;
    let close = async () => {};
    try {
      const dryRun = isDryRun(req);
      const key = idempotencyKeyOf(req);
      const body = new MeteredBody(req, maxBodyBytes, bodyIdleMs);
      const read = async () => {
        const job = await readNdjsonJob(body.chunks(), maxInputBytes);
        close = job.close;
        return job;
      };
      if (dryRun) {
        const { header, inputs } = await read();
        res.status(200).json(await service.estimateStream(callerOf(res), header, inputs));
        return;
      }
      const request =
        key === null
          ? null
          : keyed(
              res,
              key,
              () => body.sha256(),
              () => body.drain(),
            );
      send(res, await service.submitOnce(callerOf(res), request, read));
    } finally {
      await close();
      discardRest(req);
    }
  });
  router.post(
    '/jobs',
    express.json({
      limit: maxBodyBytes,
      verify: (req, _res, raw) => {
        if (req.headers['idempotency-key'] !== undefined)
          jsonBodyHashes.set(req, createHash('sha256').update(raw).digest('hex'));
      },
    }),
    async (req, res) => {
      const dryRun = isDryRun(req);
      const key = idempotencyKeyOf(req);
      if (dryRun) {
        res.status(200).json(await service.estimate(callerOf(res), req.body));
        return;
      }
      const request =
        key === null
          ? null
          : keyed(
              res,
              key,
              () => jsonBodyHashes.get(req) ?? EMPTY_SHA256,
              async () => {},
            );
      send(res, await service.submitOnce(callerOf(res), request, async () => splitJobBody(req.body)));
    },
  );
  return router;
}
