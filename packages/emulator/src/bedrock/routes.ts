import express, { type Request, type RequestHandler, type Response } from 'express';
import { bedrockError } from './errors';
import { signedRegion } from './ids';
import { type BedrockJobService, parseListQuery } from './job-service';

const JOB = /^\/model-invocation-job\/([^/]+)(\/stop)?\/?$/;
const parseJson = express.json({ limit: '1mb', type: () => true });

/** The four calls of the control plane (restJson1). A job identifier arrives URI-encoded as one path segment. */
export function jobsHandler(jobs: BedrockJobService): RequestHandler {
  return async (req, res, next) => {
    const region = signedRegion(req.get('authorization'));
    if (req.path === '/model-invocation-job' || req.path === '/model-invocation-job/') {
      if (req.method !== 'POST') return next();
      await readJson(req, res);
      res.json(jobs.create(region, req.body));
      return;
    }
    if (req.path === '/model-invocation-jobs' || req.path === '/model-invocation-jobs/') {
      if (req.method !== 'GET') return next();
      const query = req.url.indexOf('?');
      const params = new URLSearchParams(query === -1 ? '' : req.url.slice(query + 1));
      res.json(await jobs.list(region, parseListQuery(params)));
      return;
    }
    const match = JOB.exec(req.path);
    if (!match) return next();
    let identifier: string;
    try {
      identifier = decodeURIComponent(match[1]!);
    } catch {
      throw bedrockError('ValidationException', `The job identifier ${match[1]} is not validly encoded.`);
    }
    if (match[2] === undefined && req.method === 'GET') {
      res.json(await jobs.get(identifier));
      return;
    }
    if (match[2] !== undefined && req.method === 'POST') {
      await jobs.stop(identifier);
      res.status(200).end();
      return;
    }
    next();
  };
}

function readJson(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) =>
    parseJson(req, res, (error?: unknown) => (error ? reject(error) : resolve())),
  );
}
