import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CostSummary, type Dashboard, PROVIDERS } from '@tranche/contracts';
import { costSummary, type Sql } from '@tranche/db';
import express, { Router } from 'express';
import { costSummaryCsv } from '../costs/cost-csv';
import { costRequestFromQuery } from '../costs/cost-query';
import { loadDashboard } from '../dashboard/dashboard-data';
import { callerOf } from './auth';

/**
 * `GET /v1/costs` (JSON or CSV) and `GET /v1/dashboard`, the data of the dashboard page; behind the API's auth, and
 * limited to the caller's projects.
 */
export function costsRouter(sql: Sql): Router {
  const router = Router();
  router.get('/costs', async (req, res) => {
    const { format, ...request } = costRequestFromQuery(req.query as Record<string, unknown>);
    const summary = await costSummary(sql, { ...request, scope: callerOf(res).projects });
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8').send(costSummaryCsv(summary));
      return;
    }
    res.json(summary satisfies CostSummary);
  });
  router.get('/dashboard', async (_req, res) => {
    const dashboard: Dashboard = await loadDashboard(sql, callerOf(res).projects);
    res.set('cache-control', 'no-store').json(dashboard);
  });
  return router;
}

const PAGE_DIR = fileURLToPath(new URL('../dashboard/page/', import.meta.url));
// chart.js exports no path to its UMD build: it sits next to the CommonJS entry point.
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');

/**
 * The dashboard page: static files only, so it needs no key; the figures come from `/v1/dashboard`, which does
 * (the page sends the key it was given in its URL fragment, which never reaches the server).
 */
export function dashboardPageRouter(): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.set({
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    next();
  });
  router.get('/', (_req, res) => res.sendFile(join(PAGE_DIR, 'index.html')));
  // pnpm keeps packages under node_modules/.pnpm: a dot segment that `send` refuses unless told otherwise.
  router.get('/chart.umd.js', (_req, res) => res.sendFile(CHART_JS, { dotfiles: 'allow' }));
  // The jobs list's provider filter offers the providers the API takes.
  router.get('/providers.json', (_req, res) => res.json(PROVIDERS));
  router.use(express.static(PAGE_DIR, { index: false, redirect: false }));
  return router;
}
