import { PROVIDERS } from '@tranche/adapters';
import {
  ALERT_KINDS,
  type MetricsSnapshot,
  metricsSnapshot,
  type ProjectScope,
  type Sql,
  TERMINAL_JOB_STATUSES,
} from '@tranche/db';
import type { TrancheQueues } from '@tranche/queues';
import type { JobType } from 'bullmq';
import { Router } from 'express';
import { Counter, Gauge, Registry } from 'prom-client';
import { sameSecret } from '../auth/api-key';
import { type Authenticator, presentedKey } from '../auth/authenticator';

export const METRICS_PATH = '/metrics';

// Every known label value is reported, at 0 when nothing has it: a series that appears only once it is non-zero
// makes rate() and alert rules miss the first increase.
const JOB_STATUSES = ['queued', 'submitting', 'running', 'cancelling', ...TERMINAL_JOB_STATUSES];
const INPUT_STATES = ['pending', 'awaiting', 'submitted', 'succeeded', 'failed', 'skipped'];
const RESULT_OUTCOMES = ['succeeded', 'failed'];
const QUEUE_STATES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'];

/** ioredis queues a command forever while Redis is down: the Postgres figures must not wait for it. */
const REDIS_TIMEOUT_MS = 2_000;

interface Scrape extends MetricsSnapshot {
  /**
   * Null when Redis did not answer in time: the queue series are left out and `tranche_redis_up` is 0. Not asked
   * for a scrape limited to some projects, which has no queue series.
   */
  queues: Array<{ queue: string; counts: Record<string, number> }> | null;
}

async function queueCounts(queues: TrancheQueues): Promise<Scrape['queues']> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), REDIS_TIMEOUT_MS);
  });
  const counts = Promise.all(
    queues.all().map(async (queue) => ({
      queue: queue.name,
      counts: await queue.getJobCounts(...QUEUE_STATES),
    })),
  );
  try {
    return await Promise.race([counts, timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Where the figures come from. */
export interface MetricsSource {
  sql: Sql;
  queues: TrancheQueues;
}

export interface MetricsDeps extends MetricsSource {
  /** METRICS_TOKEN: `Authorization: Bearer <token>` scrapes every project (the operator's Prometheus). */
  token?: string;
  /** Any other scrape needs a key of the API: an admin's sees every project, a project key its projects only. */
  auth: Authenticator;
}

/**
 * One scrape reads Postgres (a few aggregate queries) and Redis (job counts per queue) once, shared by every
 * collector: the figures are the deployment's, whichever API process answers. BullMQ's counts cannot be told
 * apart by project, so a scrape limited to some projects does not read them.
 */
function scrapeOnce(source: MetricsSource, scope: ProjectScope): () => Promise<Scrape> {
  let inFlight: Promise<Scrape> | null = null;
  const load = async (): Promise<Scrape> => {
    const [snapshot, queues] = await Promise.all([
      metricsSnapshot(source.sql, scope),
      scope === 'all' ? queueCounts(source.queues) : null,
    ]);
    return { ...snapshot, queues };
  };
  return () => {
    inFlight ??= load().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

/**
 * The collectors, on a registry of their own, reporting the projects of `scope`. Each sets its values after the last
 * await, so a scrape is whole. The series that count across every project and cannot be limited to some (the
 * queues, Redis) exist only for `'all'`.
 */
export function createMetricsRegistry(source: MetricsSource, scope: ProjectScope): Registry {
  const registry = new Registry();
  const scrape = scrapeOnce(source, scope);
  const registers = [registry];

  new Gauge({
    name: 'tranche_jobs',
    help: 'Jobs by status.',
    labelNames: ['status'],
    registers,
    async collect() {
      const { jobsByStatus } = await scrape();
      this.reset();
      for (const status of JOB_STATUSES) this.set({ status }, 0);
      for (const row of jobsByStatus) this.set({ status: row.status }, row.n);
    },
  });
  new Gauge({
    name: 'tranche_inputs',
    help: 'Distinct requests by state.',
    labelNames: ['state'],
    registers,
    async collect() {
      const { inputsByState } = await scrape();
      this.reset();
      for (const state of INPUT_STATES) this.set({ state }, 0);
      for (const row of inputsByState) this.set({ state: row.state }, row.n);
    },
  });
  // A gauge, not a counter: a replay turns a failed result into a success, so the failed count can go down.
  new Gauge({
    name: 'tranche_results',
    help: 'Final results stored, by outcome.',
    labelNames: ['outcome'],
    registers,
    async collect() {
      const { resultsByStatus } = await scrape();
      this.reset();
      for (const outcome of RESULT_OUTCOMES) this.set({ outcome }, 0);
      for (const row of resultsByStatus) this.set({ outcome: row.status }, row.n);
    },
  });
  new Counter({
    name: 'tranche_tokens_total',
    help: 'Tokens of every attempt of every result, by project, provider, model and kind.',
    labelNames: ['project', 'provider', 'model', 'kind'],
    registers,
    async collect() {
      const { usage } = await scrape();
      this.reset();
      for (const row of usage) {
        const labels = { project: row.project, provider: row.provider, model: row.model };
        this.inc({ ...labels, kind: 'input' }, row.input_tokens);
        this.inc({ ...labels, kind: 'output' }, row.output_tokens);
        this.inc({ ...labels, kind: 'cached' }, row.cached_tokens);
        this.inc({ ...labels, kind: 'cache_write' }, row.cache_write_tokens);
      }
    },
  });
  new Counter({
    name: 'tranche_cost_usd_total',
    help: 'Cost of the priced results at batch rates, in USD.',
    labelNames: ['project', 'provider', 'model'],
    registers,
    async collect() {
      const { usage } = await scrape();
      this.reset();
      for (const row of usage) {
        this.inc({ project: row.project, provider: row.provider, model: row.model }, row.cost_usd);
      }
    },
  });
  new Counter({
    name: 'tranche_sync_cost_usd_total',
    help: 'What the priced results would have cost at synchronous rates, in USD.',
    labelNames: ['project', 'provider', 'model'],
    registers,
    async collect() {
      const { usage } = await scrape();
      this.reset();
      for (const row of usage) {
        this.inc({ project: row.project, provider: row.provider, model: row.model }, row.sync_cost_usd);
      }
    },
  });
  new Counter({
    name: 'tranche_unpriced_results_total',
    help: 'Results of a model with no price: their cost is unknown, not zero.',
    labelNames: ['provider', 'model'],
    registers,
    async collect() {
      const { usage } = await scrape();
      this.reset();
      for (const row of usage) this.inc({ provider: row.provider, model: row.model }, row.unpriced_results);
    },
  });
  if (scope === 'all') {
    new Gauge({
      name: 'tranche_queue_jobs',
      help: 'BullMQ jobs by queue and state.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const { queues } = await scrape();
        this.reset();
        for (const { queue, counts } of queues ?? []) {
          for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
        }
      },
    });
    new Gauge({
      name: 'tranche_redis_up',
      help: 'Whether Redis answered the queue counts of this scrape in time (1) or not (0).',
      registers,
      async collect() {
        const { queues } = await scrape();
        this.set(queues ? 1 : 0);
      },
    });
  }
  new Gauge({
    name: 'tranche_oldest_running_batch_age_seconds',
    help: 'Age of the oldest provider batch still at the provider, by provider (0 when none).',
    labelNames: ['provider'],
    registers,
    async collect() {
      const { oldestRunningBatch } = await scrape();
      this.reset();
      for (const provider of PROVIDERS) this.set({ provider }, 0);
      for (const row of oldestRunningBatch) this.set({ provider: row.provider }, row.age_s);
    },
  });
  new Counter({
    name: 'tranche_alerts_total',
    help: 'Alerts raised, by kind.',
    labelNames: ['kind'],
    registers,
    async collect() {
      const { alertsByKind } = await scrape();
      this.reset();
      for (const kind of ALERT_KINDS) this.inc({ kind }, 0);
      for (const row of alertsByKind) this.inc({ kind: row.kind }, row.n);
    },
  });
  return registry;
}

/** The projects a scrape may see; null when its key is missing (outside open mode), unknown or revoked. */
async function scrapeScope(
  deps: MetricsDeps,
  authorization: string | undefined,
): Promise<ProjectScope | null> {
  const key = presentedKey(authorization);
  if (deps.token && key && sameSecret(deps.token, key)) return 'all';
  const caller = await deps.auth.authenticate(key);
  if (!caller) return null;
  return caller.role === 'admin' ? 'all' : caller.projects;
}

/**
 * `GET /metrics` in the Prometheus text format. Each scrape has a registry of its own, made for its caller's scope:
 * collectors hold no figures between scrapes, and two callers scraping at once never see each other's.
 */
export function metricsRouter(deps: MetricsDeps): Router {
  const router = Router();
  router.get(METRICS_PATH, async (req, res, next) => {
    try {
      const scope = await scrapeScope(deps, req.get('authorization'));
      if (scope === null) {
        res
          .status(401)
          .set('www-authenticate', 'Bearer realm="tranche"')
          .json({
            error: {
              type: 'unauthorized',
              message: 'missing, unknown or revoked Authorization: Bearer key (METRICS_TOKEN or an API key)',
            },
          });
        return;
      }
      const registry = createMetricsRegistry(deps, scope);
      const body = await registry.metrics();
      res.set('content-type', registry.contentType).send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
