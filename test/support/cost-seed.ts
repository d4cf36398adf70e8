import { randomUUID } from 'node:crypto';
import { decimalToPico, loadPriceTable, Pricer, picoToDecimal } from '@tranche/pricing';
import type postgres from 'postgres';

/**
 * A month of realistic spend written straight into Postgres (no workers, no emulator): several projects, owners,
 * environments, providers and models; finished jobs every few days; one job running with partial progress; one
 * failed, one timed out, one cancelled; one model without a price. Every result is priced with the real price
 * table, and kept here so a test can compute what the API should answer by hand.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface SeededResult {
  customId: string;
  jobId: string;
  status: 'succeeded' | 'failed';
  project: string;
  owner: string;
  environment: string | null;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: string | null;
  syncCostUsd: string | null;
  createdAt: Date;
}

export interface SeededJob {
  id: string;
  status: string;
  project: string;
  provider: string;
  model: string;
  total: number;
  succeeded: number;
  failed: number;
}

export interface CostSeed {
  now: Date;
  results: SeededResult[];
  jobs: SeededJob[];
  running: SeededJob;
  failed: SeededJob;
  timedOut: SeededJob;
  cancelled: SeededJob;
  unpriced: { provider: string; model: string };
}

interface Workload {
  project: string;
  owner: string;
  environment: string | null;
  provider: string;
  model: string;
  /** Prompt and completion sizes, in tokens. */
  input: [number, number];
  output: [number, number];
  cachedShare?: number;
  /** How many days ago each finished job ran, and how many results it had. Away from the 1, 7 and 30 day marks. */
  daysAgo: number[];
  size: number;
}

export const UNPRICED = { provider: 'vertex', model: 'gemini-embedding-exp' };

const WORKLOADS: Workload[] = [
  {
    project: 'contracts',
    owner: 'ana',
    environment: 'prod',
    provider: 'openai',
    model: 'gpt-5.4-mini',
    input: [18_000, 52_000],
    output: [300, 900],
    cachedShare: 0.2,
    daysAgo: [0.3, 1.5, 3.2, 5.5, 9.1, 12.4, 16.2, 20.6, 25.3, 28.7, 33.5],
    size: 30,
  },
  {
    project: 'support-triage',
    owner: 'bob',
    environment: 'prod',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    input: [6_000, 14_000],
    output: [400, 1_200],
    daysAgo: [0.6, 2.3, 6.4, 13.5, 21.2, 27.4],
    size: 25,
  },
  {
    project: 'support-triage',
    owner: 'bob',
    environment: 'staging',
    provider: 'openai',
    model: 'gpt-5.4-nano',
    input: [6_000, 14_000],
    output: [400, 1_200],
    daysAgo: [4.3, 18.6],
    size: 20,
  },
  {
    project: 'search-embeddings',
    owner: 'cy',
    environment: null,
    provider: 'openai',
    model: 'text-embedding-3-small',
    input: [2_000, 8_000],
    output: [0, 0],
    daysAgo: [1.2, 8.4, 15.3, 22.5],
    size: 60,
  },
  {
    project: 'search-embeddings',
    owner: 'cy',
    environment: null,
    ...UNPRICED,
    input: [2_000, 8_000],
    output: [0, 0],
    daysAgo: [0.2, 7.6, 14.3],
    size: 15,
  },
  {
    project: 'research',
    owner: 'dee',
    environment: 'dev',
    provider: 'mistral',
    model: 'mistral-small-latest',
    input: [20_000, 60_000],
    output: [1_000, 3_000],
    daysAgo: [2.6, 10.2, 19.4],
    size: 20,
  },
  {
    project: 'research',
    owner: 'dee',
    environment: 'dev',
    provider: 'vertex',
    model: 'gemini-2.5-flash',
    input: [30_000, 90_000],
    output: [1_500, 4_000],
    daysAgo: [0.9, 11.3, 24.2, 29.2],
    size: 15,
  },
];

/** A small deterministic generator, so every run seeds the same figures. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

type InputState = 'pending' | 'submitted' | 'succeeded' | 'failed';

interface JobPlan {
  workload: Workload;
  status: string;
  createdAt: Date;
  finishedAt: Date | null;
  error?: string;
  worstCaseUsd?: string;
  /** One per distinct input; a final one gets a result, `resultAt(i)` later. */
  states: InputState[];
  resultAt: (i: number) => Date;
  /** Failed inputs that the provider billed (an invalid output); the others cost nothing. */
  billedFailures: boolean;
}

export async function seedCosts(sql: postgres.Sql, now = new Date()): Promise<CostSeed> {
  const pricer = new Pricer(loadPriceTable());
  const next = random(42);
  const between = ([low, high]: [number, number]) => Math.round(low + (high - low) * next());
  const at = (msAgo: number) => new Date(now.getTime() - msAgo);
  const plans: JobPlan[] = [];
  for (const workload of WORKLOADS)
    for (const days of workload.daysAgo)
      plans.push({
        workload,
        status: 'completed_with_failures',
        createdAt: at(days * DAY + HOUR),
        finishedAt: at(days * DAY - 20 * 60_000),
        states: Array.from({ length: workload.size }, (_, i) => (i % 15 === 7 ? 'failed' : 'succeeded')),
        resultAt: (i) => at(days * DAY - i * 20_000),
        billedFailures: true,
      });
  const byName = (project: string, model: string) =>
    WORKLOADS.find((w) => w.project === project && w.model === model)!;
  const running: JobPlan = {
    workload: byName('support-triage', 'claude-sonnet-4-5'),
    status: 'running',
    createdAt: at(3 * HOUR),
    finishedAt: null,
    worstCaseUsd: '60.000000000000',
    states: Array.from({ length: 240 }, (_, i) =>
      i < 150 ? 'succeeded' : i < 156 ? 'failed' : i < 200 ? 'submitted' : 'pending',
    ),
    resultAt: (i) => at(2.5 * HOUR - i * 30_000),
    billedFailures: false,
  };
  const failed: JobPlan = {
    workload: byName('research', 'mistral-small-latest'),
    status: 'failed',
    createdAt: at(2.1 * DAY),
    finishedAt: at(2.05 * DAY),
    error: 'mistral refused the batch: invalid_request_file (the model does not accept batch requests)',
    states: Array.from({ length: 20 }, () => 'failed'),
    resultAt: () => at(2.05 * DAY),
    billedFailures: false,
  };
  const timedOut: JobPlan = {
    workload: byName('contracts', 'gpt-5.4-mini'),
    status: 'timed_out',
    createdAt: at(2.8 * DAY),
    finishedAt: at(1.55 * DAY),
    states: Array.from({ length: 50 }, (_, i) => (i < 30 ? 'succeeded' : 'failed')),
    resultAt: (i) => (i < 30 ? at(2.5 * DAY - i * 60_000) : at(1.55 * DAY)),
    billedFailures: false,
  };
  const cancelled: JobPlan = {
    workload: byName('research', 'gemini-2.5-flash'),
    status: 'cancelled',
    createdAt: at(3.5 * DAY),
    finishedAt: at(3.4 * DAY),
    states: Array.from({ length: 10 }, (_, i) => (i < 4 ? 'succeeded' : 'failed')),
    resultAt: (i) => at(3.45 * DAY - i * 60_000),
    billedFailures: false,
  };
  plans.push(running, failed, timedOut, cancelled);

  const results: SeededResult[] = [];
  const jobs: SeededJob[] = [];
  const jobRows: Record<string, unknown>[] = [];
  const inputRows: Record<string, unknown>[] = [];
  for (const plan of plans) {
    const id = randomUUID();
    const w = plan.workload;
    const runId = `run-${id.slice(0, 8)}`;
    jobRows.push({
      id,
      status: plan.status,
      provider: w.provider,
      model: w.model,
      kind: w.output[1] === 0 ? 'embedding' : 'chat',
      spec: {},
      project: w.project,
      owner: w.owner,
      environment: w.environment,
      run_id: runId,
      tags: {},
      max_attempts: 3,
      poll_interval_s: 300,
      input_count: plan.states.length,
      error: plan.error ?? null,
      worst_case_usd: plan.worstCaseUsd ?? null,
      cancel_reason: plan.status === 'timed_out' ? 'timeout' : plan.status === 'cancelled' ? 'user' : null,
      created_at: plan.createdAt,
      updated_at: plan.finishedAt ?? now,
      timeout_at: new Date(plan.createdAt.getTime() + 30 * HOUR),
      finished_at: plan.finishedAt,
    });
    for (const [seq, state] of plan.states.entries()) {
      const customId = `${runId}-${seq.toString(36).padStart(4, '0')}`;
      inputRows.push({ job_id: id, custom_id: customId, seq, request: {}, request_bytes: 2, state });
      if (state !== 'succeeded' && state !== 'failed') continue;
      const billed = state === 'succeeded' || plan.billedFailures;
      const inputTokens = billed ? between(w.input) : 0;
      const cachedTokens = billed ? Math.round(inputTokens * (w.cachedShare ?? 0) * next()) : 0;
      const outputTokens = billed ? between(w.output) : 0;
      const cost = pricer.price(w.provider, w.model, {
        inputTokens,
        outputTokens,
        cachedTokens,
        cacheWriteTokens: 0,
      });
      results.push({
        customId,
        jobId: id,
        status: state,
        project: w.project,
        owner: w.owner,
        environment: w.environment,
        provider: w.provider,
        model: w.model,
        inputTokens,
        outputTokens,
        cachedTokens,
        costUsd: cost?.costUsd ?? null,
        syncCostUsd: cost?.syncCostUsd ?? null,
        createdAt: plan.resultAt(seq),
      });
    }
    const succeeded = plan.states.filter((s) => s === 'succeeded').length;
    const failedCount = plan.states.filter((s) => s === 'failed').length;
    jobs.push({
      id,
      status: plan.status,
      project: w.project,
      provider: w.provider,
      model: w.model,
      total: plan.states.length,
      succeeded,
      failed: failedCount,
    });
  }
  const resultRows = results.map((r) => ({
    custom_id: r.customId,
    job_id: r.jobId,
    status: r.status,
    output: r.status === 'succeeded' ? { text: 'ok', finishReason: 'stop' } : null,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cached_tokens: r.cachedTokens,
    cache_write_tokens: 0,
    cost_usd: r.costUsd,
    sync_cost_usd: r.syncCostUsd,
    price_version: r.costUsd === null ? null : pricer.version,
    error:
      r.status === 'failed'
        ? {
            type: 'invalid_output',
            code: null,
            message: 'the output did not match the schema',
            retryable: false,
          }
        : null,
    attempts: 1,
    created_at: r.createdAt,
  }));
  await sql.begin(async (tx) => {
    await tx`insert into jobs ${tx(jobRows as never)}`;
    for (let i = 0; i < inputRows.length; i += 2_000)
      await tx`insert into inputs ${tx(inputRows.slice(i, i + 2_000) as never)}`;
    for (let i = 0; i < resultRows.length; i += 2_000)
      await tx`insert into results ${tx(resultRows.slice(i, i + 2_000) as never)}`;
  });
  const jobOf = (plan: JobPlan) => jobs[plans.indexOf(plan)]!;
  return {
    now,
    results,
    jobs,
    running: jobOf(running),
    failed: jobOf(failed),
    timedOut: jobOf(timedOut),
    cancelled: jobOf(cancelled),
    unpriced: UNPRICED,
  };
}

/** What a set of seeded results cost, added up exactly by hand (the way the API must). */
export function expectedFigures(results: SeededResult[]) {
  let cost = 0n;
  let sync = 0n;
  for (const r of results) {
    if (r.costUsd !== null) cost += decimalToPico(r.costUsd);
    if (r.syncCostUsd !== null) sync += decimalToPico(r.syncCostUsd);
  }
  return {
    cost_usd: picoToDecimal(cost),
    sync_cost_usd: picoToDecimal(sync),
    savings_usd: picoToDecimal(sync - cost),
    input_tokens: results.reduce((n, r) => n + r.inputTokens, 0),
    output_tokens: results.reduce((n, r) => n + r.outputTokens, 0),
    cached_tokens: results.reduce((n, r) => n + r.cachedTokens, 0),
    results: results.length,
    succeeded: results.filter((r) => r.status === 'succeeded').length,
    failed: results.filter((r) => r.status === 'failed').length,
    unpriced_results: results.filter((r) => r.costUsd === null).length,
  };
}
