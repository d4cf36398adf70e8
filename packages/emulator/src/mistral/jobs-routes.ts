import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import express, { type Request, type Response, Router } from 'express';
import type { EmulatorContext } from '../core/provider';
import { releaseHold } from '../core/response-hold';
import { unprocessable } from './errors';
import { parseJobParams } from './job-params';
import type { JobListQuery, JobService } from './job-service';
import { renderJob } from './job-view';
import type { MistralSwitches } from './options';
import { queryBoolean, queryInt, queryString, queryStrings } from './query';
import { JOB_STATUSES, type JobStatus, type WireBatchJob } from './types';

/** Inline creation is limited to 10,000 requests, not to a size; this only guards the emulator. */
const MAX_CREATE_BODY = '256mb';
const LIST_PARAMS = new Set([
  'page',
  'page_size',
  'model',
  'agent_id',
  'metadata',
  'created_after',
  'created_by_me',
  'status',
  'order_by',
]);

export function jobsRouter(ctx: EmulatorContext, jobs: JobService, switches: MistralSwitches): Router {
  const router = Router();
  const bodyBytes = new WeakMap<Request, number>();

  router.post(
    '/v1/batch/jobs',
    express.json({
      limit: MAX_CREATE_BODY,
      verify: (req, _res, buf) => bodyBytes.set(req as Request, buf.length),
    }),
    async (req, res) => {
      const params = parseJobParams(req.body);
      // Inline requests arrive in this body: count them as received bytes, as an upload would be.
      if (params.inlineRequests) ctx.stats.add('mistral', { bytes: bodyBytes.get(req) ?? 0 });
      res.json(await jobs.create(params));
    },
  );

  router.get('/v1/batch/jobs', async (req, res) => {
    res.json(await jobs.list(parseListQuery(req, switches.get().list_metadata_filter === 'honoured')));
  });

  router.get('/v1/batch/jobs/:id', async (req, res) => {
    const job = await jobs.get(String(req.params.id));
    const wire = renderJob(job, ctx.clock.now());
    const inline = queryBoolean(req.query.inline, 'inline') ?? false;
    if (inline && job.phase === 'ended') await sendWithOutputs(res, wire, jobs.resultPaths(job));
    else res.json(wire);
  });

  router.post('/v1/batch/jobs/:id/cancel', async (req, res) => {
    res.json(await jobs.cancel(String(req.params.id)));
  });

  router.delete('/v1/batch/jobs/:id', (req, res) => {
    res.json(jobs.delete(String(req.params.id)));
  });

  return router;
}

function parseListQuery(req: Request, honourMetadata: boolean): JobListQuery {
  const order = queryString(req.query.order_by, 'order_by') ?? '-created';
  if (order !== 'created' && order !== '-created') {
    throw unprocessable("'order_by' must be 'created' or '-created'.", 'order_by');
  }
  const statuses = queryStrings(req.query.status, 'status').map((status) => {
    if (!(JOB_STATUSES as readonly string[]).includes(status)) {
      throw unprocessable(`Unknown status '${status}'.`, 'status');
    }
    return status as JobStatus;
  });
  const createdAfter = queryString(req.query.created_after, 'created_after');
  const createdAfterMs = createdAfter === undefined ? undefined : Date.parse(createdAfter);
  if (createdAfterMs !== undefined && Number.isNaN(createdAfterMs)) {
    throw unprocessable("'created_after' must be a date-time.", 'created_after');
  }
  queryBoolean(req.query.created_by_me, 'created_by_me');
  return {
    page: queryInt(req.query.page, 'page', 0, Number.MAX_SAFE_INTEGER, 0),
    pageSize: queryInt(req.query.page_size, 'page_size', 1, 1000, 100),
    model: queryString(req.query.model, 'model'),
    agentId: queryString(req.query.agent_id, 'agent_id'),
    statuses,
    metadata: honourMetadata ? metadataFilter(req) : null,
    createdAfterMs,
    order,
  };
}

/**
 * `metadata=<JSON object>`, and the SDK's form style: it explodes the object into one query key per entry
 * (`?tranche_chunk_key=…`), so every key that is not a list parameter is read as a metadata filter.
 */
function metadataFilter(req: Request): Record<string, string> | null {
  const filter: Record<string, string> = {};
  const json = queryString(req.query.metadata, 'metadata');
  if (json !== undefined && json !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw unprocessable("'metadata' must be a JSON object.", 'metadata');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw unprocessable("'metadata' must be a JSON object.", 'metadata');
    }
    for (const [key, value] of Object.entries(parsed)) filter[key] = String(value);
  }
  for (const [key, value] of Object.entries(req.query)) {
    if (LIST_PARAMS.has(key)) continue;
    const text = queryString(value, key);
    if (text !== undefined) filter[key] = text;
  }
  return Object.keys(filter).length > 0 ? filter : null;
}

/** `?inline=true`: the job with `outputs` = every result line, streamed from the result files. */
async function sendWithOutputs(res: Response, job: WireBatchJob, paths: string[]): Promise<void> {
  await releaseHold(res);
  const { outputs: _none, ...rest } = job;
  res.status(200).set('content-type', 'application/json');
  const write = async (text: string) => {
    if (!res.write(text)) await once(res, 'drain');
  };
  await write(`${JSON.stringify(rest).slice(0, -1)},"outputs":[`);
  let first = true;
  for (const path of paths) {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      await write(first ? line : `,${line}`);
      first = false;
    }
  }
  res.end(']}');
}
