import { IDEMPOTENCY_HEADER, jobHeaderSchema, REPLAYED_HEADER, submitQuerySchema } from '@tranche/contracts';
import { type Request, type Response, Router } from 'express';
import { type IdempotentRequest, parseIdempotencyKey, type SubmitAnswer } from '../intake/idempotency';
import { inputsNotAnArray } from '../intake/submit-job';
import { RequestValidationError } from '../intake/validation-error';
import type { JobReader, TrancheService } from '../tranche-service';
import { callerOf } from './auth';
import { JobFieldsAfterInputs, readJsonJob } from './json-job';
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

/** A job body's reader: NDJSON or one JSON object, both streamed. */
type BodyReader = (body: MeteredBody, maxInputBytes: number) => Promise<ReadJob>;
type ReadJob = Awaited<ReturnType<JobReader>> & { close(): Promise<void> };

const readers: Array<[type: string, read: BodyReader]> = [
  ['application/x-ndjson', (body, maxInputBytes) => readNdjsonJob(body.chunks(), maxInputBytes)],
  [
    'application/json',
    (body, maxInputBytes) =>
      readJsonJob(body.chunks(), {
        maxInputBytes,
        headerReady: (header) => jobHeaderSchema.safeParse(header).success,
      }),
  ],
];

/** Any other body is no job: the same 400 as a JSON job without any field. */
const noJob: BodyReader = async () => {
  throw inputsNotAnArray({}, undefined);
};

/**
 * Runs `attempt` with the body's job; once more with the whole job when the inputs were taken before fields of
 * the job that came after them (a JSON body; its intake was rolled back).
 */
async function withWholeJob<T>(attempt: (read: JobReader) => Promise<T>, read: JobReader): Promise<T> {
  try {
    return await attempt(read);
  } catch (error) {
    if (!(error instanceof JobFieldsAfterInputs)) throw error;
    return attempt(error.replay);
  }
}

/**
 * `POST /v1/jobs`, as NDJSON or as one JSON object, both streamed: MAX_BODY_BYTES, MAX_INPUT_BYTES and MAX_INPUTS
 * are enforced as the body arrives, and no more than one input is held at a time; both take an `Idempotency-Key`.
 */
export function submitRouter(service: TrancheService, maxBodyBytes: number, bodyIdleMs?: number): Router {
  const router = Router();
  router.post('/jobs', async (req, res) => {
    const readBody = readers.find(([type]) => req.is(type))?.[1] ?? noJob;
    const maxInputBytes = service.limits.maxInputBytes;
    let close = async () => {};
    try {
      const dryRun = isDryRun(req);
      const key = idempotencyKeyOf(req);
      const body = new MeteredBody(req, maxBodyBytes, bodyIdleMs);
      const read = async () => {
        const job = await readBody(body, maxInputBytes);
        close = job.close;
        return job;
      };
      if (dryRun) {
        const estimate = await withWholeJob(async (readJob) => {
          const { header, inputs } = await readJob();
          return service.estimateStream(callerOf(res), header, inputs);
        }, read);
        res.status(200).json(estimate);
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
      send(res, await withWholeJob((readJob) => service.submitOnce(callerOf(res), request, readJob), read));
    } finally {
      await close();
      discardRest(req);
    }
  });
  return router;
}
