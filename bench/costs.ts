/**
 * `pnpm bench costs [--results N] [--runs N] [--explain-over MS]`: the cost-reading paths (GET /v1/costs, the
 * dashboard's data, the /metrics scrape, budget statuses, the job view) timed over a seeded database of N
 * results (default 1,000,000). Each path runs once to warm up, then `--runs` times (default 5); the median, min
 * and max are printed. Paths slower than `--explain-over` ms (default 500) have their statements EXPLAIN
 * ANALYZEd.
 */
import { randomBytes } from 'node:crypto';
import {
  budgetStatus,
  budgetStatuses,
  type CostGroupKey,
  connect,
  costSummary,
  metricsSnapshot,
  type Sql,
} from '@tranche/db';
import { createTestDatabase } from '@tranche/db/testing';
import { Redis } from 'ioredis';
import { parseWindow, WINDOW_PRESETS, type WindowPreset } from '../apps/producer/src/costs/cost-query';
import { loadDashboard } from '../apps/producer/src/dashboard/dashboard-data';
import { createMetricsRegistry } from '../apps/producer/src/http/metrics';
import { JobAggregatesCache } from '../apps/producer/src/jobs/job-aggregates';
import { loadJobView } from '../apps/producer/src/jobs/job-view';
import { createQueues, redisConnection } from '../packages/queues/src/index';
import { REDIS_URL } from '../test/support/stack';
import { seedCostData } from './cost-seed';
import { explainPath, type StatementPlan } from './query-plans';

interface CostBenchOptions {
  results: number;
  runs: number;
  explainOverMs: number;
}

function parseFlags(args: string[]): CostBenchOptions {
  const options: CostBenchOptions = { results: 1_000_000, runs: 5, explainOverMs: 500 };
  const flags: Record<string, keyof CostBenchOptions> = {
    '--results': 'results',
    '--runs': 'runs',
    '--explain-over': 'explainOverMs',
  };
  for (let i = 0; i < args.length; i += 2) {
    const key = flags[args[i]!];
    const value = Number(args[i + 1]?.replaceAll('_', ''));
    if (!key) throw new Error(`costs: unknown flag ${args[i]}; expected ${Object.keys(flags).join(', ')}`);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`costs: ${args[i]} needs a whole number, got ${args[i + 1] ?? 'nothing'}`);
    options[key] = value;
  }
  if (options.results < 10_000) throw new Error('costs: --results must be at least 10000');
  if (options.runs < 1) throw new Error('costs: --runs must be at least 1');
  return options;
}

interface ReadPath {
  name: string;
  run: (sql: Sql) => Promise<unknown>;
  /** What the answer held, to show the work done (results summed, groups returned). */
  describe: (answer: never) => string;
  /** False when another path already explains the same statements. */
  explain?: boolean;
}

function costPaths(now: Date): ReadPath[] {
  const groupings: CostGroupKey[][] = [[], ['project'], ['project', 'provider', 'model']];
  return (Object.keys(WINDOW_PRESETS) as WindowPreset[]).flatMap((preset) =>
    groupings.map((groupBy) => ({
      name: `costSummary ${preset} group_by=${groupBy.join(',') || 'none'}`,
      run: (sql: Sql) => costSummary(sql, { ...parseWindow(preset, now), groupBy, scope: 'all' }),
      describe: (answer: Awaited<ReturnType<typeof costSummary>>) =>
        `${answer.totals.results} results, ${answer.groups.length} groups`,
    })),
  );
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One warm-up run, then `runs` timed ones. */
async function timeRuns(path: ReadPath, sql: Sql, runs: number) {
  let answer = await path.run(sql);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    answer = await path.run(sql);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const round = (n: number) => Number(n.toFixed(1));
  return {
    median_ms: round(median(ms)),
    min_ms: round(ms[0]!),
    max_ms: round(ms.at(-1)!),
    answer: path.describe(answer as never),
  };
}

/** Every statement with its time; the plans in full of the slowest one and of any taking over `fullOverMs`. */
function printPlans(path: string, plans: StatementPlan[], fullOverMs: number) {
  console.log(`\n--- ${path}: ${plans.length} statement(s), slowest first (EXPLAIN ANALYZE, BUFFERS)`);
  for (const [i, plan] of plans.entries()) {
    console.log(`\n[${i + 1}] ${plan.executionMs.toFixed(1)} ms: ${plan.statement.slice(0, 300)}`);
    if (i === 0 || plan.executionMs > fullOverMs) console.log(plan.plan);
  }
  console.log('---\n');
}

export async function runCostsBench(args: string[]): Promise<void> {
  const options = parseFlags(args);
  const now = new Date();
  const db = await createTestDatabase();
  const { sql, close } = connect(db.url);
  const redis = redisConnection(REDIS_URL);
  const prefix = `bench-costs-${randomBytes(4).toString('hex')}`;
  const queues = createQueues(redis, prefix);
  try {
    const started = performance.now();
    const seeded = await seedCostData(sql, {
      results: options.results,
      jobs: 2_000,
      projects: 20,
      bigJobResults: Math.min(50_000, Math.floor(options.results / 10)),
      now,
    });
    console.log(
      JSON.stringify({
        scenario: 'costs',
        step: 'seed',
        seed_s: Number(((performance.now() - started) / 1000).toFixed(1)),
        ...seeded,
      }),
    );

    const metrics = createMetricsRegistry({ sql, queues }, 'all');
    const budgetProject = seeded.budgetProjects[0]!;
    const paths: ReadPath[] = [
      ...costPaths(now),
      {
        name: 'loadDashboard (GET /v1/dashboard)',
        run: (s) => loadDashboard(s, 'all', now),
        describe: (answer: Awaited<ReturnType<typeof loadDashboard>>) =>
          `${answer.running_jobs.length} running, ${answer.troubled_jobs.length} troubled, ` +
          `${answer.daily.projects.length} projects daily, ${answer.budgets.length} budgets`,
      },
      {
        name: 'metricsSnapshot (/metrics, Postgres part)',
        run: (s) => metricsSnapshot(s, 'all'),
        describe: (answer: Awaited<ReturnType<typeof metricsSnapshot>>) =>
          `${answer.usage.length} usage series`,
      },
      {
        name: 'GET /metrics whole scrape (registry.metrics())',
        run: () => metrics.metrics(),
        describe: (answer: string) => `${Math.round(answer.length / 1024)} KB of exposition`,
        // The statements of metricsSnapshot, plus Redis.
        explain: false,
      },
      {
        name: 'budgetStatuses (every budget)',
        run: (s) => budgetStatuses(s, now, 'all'),
        describe: (answer: Awaited<ReturnType<typeof budgetStatuses>>) => `${answer.length} budgets`,
      },
      {
        name: `budgetStatus (${budgetProject})`,
        run: (s) => budgetStatus(s, budgetProject, now),
        describe: (answer: Awaited<ReturnType<typeof budgetStatus>>) => `spent ${answer?.spent_usd} USD`,
      },
      {
        // A cache of its own each run: what one request costs when the job's sums are not reused.
        name: 'loadJobView (GET /v1/jobs/:id, big job)',
        run: (s) => loadJobView(s, seeded.bigJobId, 'all', new JobAggregatesCache(0)),
        describe: (answer: Awaited<ReturnType<typeof loadJobView>>) =>
          `${answer?.reconciliation.submitted} inputs, cost ${answer?.cost.cost_usd} USD`,
      },
    ];

    const slow: string[] = [];
    for (const path of paths) {
      const timing = await timeRuns(path, sql, options.runs);
      console.log(JSON.stringify({ scenario: 'costs', path: path.name, results: seeded.results, ...timing }));
      if (timing.median_ms > options.explainOverMs && path.explain !== false) slow.push(path.name);
    }
    for (const name of slow) {
      const path = paths.find((p) => p.name === name)!;
      printPlans(name, await explainPath(db.url, path.run), options.explainOverMs / 2);
    }
  } finally {
    await queues.close();
    // `quit` waits for what BullMQ still had in flight (each queue writes its meta key once connected); then the
    // keys under the throwaway prefix go.
    await redis.quit();
    const cleaner = new Redis(REDIS_URL);
    const keys = await cleaner.keys(`${prefix}:*`);
    if (keys.length > 0) await cleaner.del(...keys);
    await cleaner.quit();
    await close();
    await db.drop();
  }
}
