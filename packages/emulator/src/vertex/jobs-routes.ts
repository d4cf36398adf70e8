import express, { type Request, type RequestHandler } from 'express';
import { googleError, notFound } from './google-errors';
import { parsePageSize, type Scope, type VertexJobService } from './job-service';

// `/{v1|v1beta1}/projects/{p}/locations/{l}/batchPredictionJobs[/{id}[:cancel]]`
const JOBS =
  /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/batchPredictionJobs(?:\/([^/:]+)(?::([a-zA-Z]+))?)?\/?$/;

const parseJson = express.json({ limit: '10mb', type: () => true });

export function jobsHandler(jobs: VertexJobService): RequestHandler {
  return async (req, res, next) => {
    const match = JOBS.exec(req.path);
    if (!match) return next();
    const scope: Scope = { project: decodeURIComponent(match[2]!), location: decodeURIComponent(match[3]!) };
    const id = match[4] === undefined ? null : decodeURIComponent(match[4]);
    const action = match[5] ?? null;

    if (id === null) {
      if (req.method === 'POST') {
        await readJson(req, res);
        res.json(await jobs.create(scope, req.body));
        return;
      }
      if (req.method === 'GET') {
        res.json(
          await jobs.list(scope, {
            pageSize: parsePageSize(query(req, 'pageSize') ?? query(req, 'page_size')),
            pageToken: query(req, 'pageToken') ?? query(req, 'page_token') ?? null,
            filter: query(req, 'filter'),
          }),
        );
        return;
      }
    } else if (action === null) {
      if (!/^\d+$/.test(id)) throw notFound(`The BatchPredictionJob does not exist: ${id}`);
      if (req.method === 'GET') {
        res.json(await jobs.get(scope, id));
        return;
      }
      if (req.method === 'DELETE') {
        res.json(jobs.delete(scope, id));
        return;
      }
    } else if (action === 'cancel' && req.method === 'POST') {
      await readJson(req, res);
      res.json(await jobs.cancel(scope, id));
      return;
    }
    throw googleError(404, `Method not found: ${req.method} ${req.path}`, 'NOT_FOUND');
  };
}

function readJson(req: Request, res: Parameters<RequestHandler>[1]): Promise<void> {
  return new Promise((resolve, reject) =>
    parseJson(req, res, (error?: unknown) => (error ? reject(error) : resolve())),
  );
}

function query(req: Request, name: string): string | null {
  const value = req.query[name];
  return typeof value === 'string' ? value : null;
}
