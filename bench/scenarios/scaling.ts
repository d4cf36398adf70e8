/**
 * `pnpm bench scaling [--workers N|1,2] [--provider X] [--sizes 1000,10000,...]`: is the cost of an input the same
 * whatever the job's size? Jobs of 1,000, 10,000, 10,001 (one past a chunk's 10,000-request cap: a second batch of
 * one request) and 100,000 small inputs, each end to end in a stack of its own, after three jobs of one input that
 * measure what every job pays whatever its size (intake round trip, provider polling, the emulator's batch).
 *
 * Each size prints one JSON line: its phases (seconds after the job was created, from the job's own timestamps),
 * its time per 1,000 inputs raw and net of the one-input jobs, the store phase (first batch ended to last batch
 * stored) per input and against a COPY of the same result rows, the job view's latency at that size, and its floor
 * (bench/floor.ts). A last line gives the spread of the net time per input, and of the store phase's, over the
 * sizes of 1,000 and more. Prints figures; asserts nothing.
 */
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { TrancheClient } from '@tranche/client';
import type { Stack } from '../../test/support/stack';
import { measureFloor } from '../floor';
import {
  type BenchOptions,
  CHAT_MODELS,
  chatInputs,
  printFigures,
  processPeaks,
  round,
  startBenchStack,
  submitAndWait,
} from '../harness';

const DEFAULT_SIZES = [1_000, 10_000, 10_001, 100_000];
const BYTES_PER_INPUT = 200;
/** The worker's CHUNK_MAX_REQUESTS default: 10,001 inputs make a full batch and a batch of one. */
const CHUNK_CAP = 10_000;
/**
 * How often the bench reads the job view while it waits. The view counts the job's inputs and sums its results on
 * every read (its latency is printed per size): about 90 ms of Postgres's CPU a read at 100,000 inputs, so read
 * every 250 ms the bench's own polling would take a third of a core from the job it measures.
 */
const WAIT_INTERVAL_MS = 1_000;
const FIXED_RUNS = 3;
const TARGET = 'net time per input within 1.5x across 1,000 to 100,000 inputs';

function sizesOf(opts: BenchOptions): number[] {
  const at = opts.extra.findIndex((a) => a === '--sizes' || a.startsWith('--sizes='));
  if (at < 0) return DEFAULT_SIZES;
  const flag = opts.extra[at]!;
  const raw = flag.includes('=') ? flag.slice('--sizes='.length) : (opts.extra[at + 1] ?? '');
  const sizes = raw.split(',').map((s) => Number(s.trim().replaceAll('_', '')));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--sizes takes whole numbers, e.g. 1000,10000, got "${raw}"`);
  return sizes;
}

interface SizeFigures extends Record<string, unknown> {
  inputs: number;
  stored_s: number;
  end_to_end_s: number;
}

/** Seconds from `from` to `to` (ISO timestamps), or NaN when one is missing. */
const between = (from: string | null | undefined, to: string | null | undefined) =>
  from && to ? round((Date.parse(to) - Date.parse(from)) / 1000) : Number.NaN;

async function runSize(opts: BenchOptions, inputs: number): Promise<SizeFigures> {
  const stack = await startBenchStack({
    name: 'scaling',
    workers: opts.workers,
    provider: opts.provider,
    env: { CHUNK_MAX_REQUESTS: String(CHUNK_CAP) },
  });
  try {
    const header = {
      provider: opts.provider,
      model: CHAT_MODELS[opts.provider],
      metadata: { project: 'bench', owner: 'bench' },
    };
    const generated = chatInputs(inputs, BYTES_PER_INPUT);
    const job = await submitAndWait(stack, header, generated, {
      body: opts.body,
      waitIntervalMs: WAIT_INTERVAL_MS,
    });
    const client = new TrancheClient({ url: stack.apiUrl });
    const viewStarted = performance.now();
    const view = await client.get(job.job_id);
    const viewMs = performance.now() - viewStarted;
    const ended = view.batches
      .map((b) => b.ended_at)
      .filter((t): t is string => t !== null)
      .sort();
    const fetched = view.batches
      .map((b) => b.fetched_at)
      .filter((t): t is string => t !== null)
      .sort();
    const storeS = between(ended[0], fetched.at(-1));
    const storedS = between(view.created_at, fetched.at(-1));
    const resultsCopyS = await timeResultsCopy(stack.sql, job.job_id);
    const peaks = processPeaks(stack);
    const floor = await measureFloor(stack, opts.provider, generated);
    return {
      scenario: 'scaling',
      provider: opts.provider,
      workers: opts.workers,
      inputs,
      batches: job.batches,
      status: job.status,
      intake_s: job.intake_s,
      last_submitted_s: job.last_submitted_s,
      first_ended_s: between(view.created_at, ended[0]),
      last_ended_s: job.last_ended_s,
      stored_s: storedS,
      // From the first batch's end to the last batch stored: the fetch and store phase.
      store_s: storeS,
      // The same result rows COPYed out of `results` and into a table of their own: what storing them must cost.
      results_copy_s: round(resultsCopyS),
      store_vs_copy: round(storeS / resultsCopyS),
      finished_s: job.finished_s,
      end_to_end_s: job.end_to_end_s,
      s_per_1000: round((job.end_to_end_s / inputs) * 1000, 3),
      store_ms_per_input: round((storeS / inputs) * 1000, 3),
      stored_s_per_1000: round((storedS / inputs) * 1000, 3),
      job_view_ms: round(viewMs, 1),
      results_read_s: job.results_read_s,
      results_mb_per_s: job.results_mb_per_s,
      floor_s: round(floor.totalS),
      floor_copy_s: round(floor.copyS),
      floor_transfer_s: round(floor.transferS),
      ...peaks,
    };
  } finally {
    await stack.stop();
  }
}

/** Streams the job's result rows out of `results` and into a table without indexes or triggers, with COPY. */
async function timeResultsCopy(sql: Stack['sql'], jobId: string): Promise<number> {
  await sql`drop table if exists floor_results`;
  await sql`create table floor_results (like results)`;
  const started = performance.now();
  // COPY takes no parameters: the job id (a UUID the API gave) goes in as a literal, checked first.
  if (!/^[0-9a-f-]{36}$/.test(jobId)) throw new Error(`not a job id: ${jobId}`);
  const out = await sql.unsafe(`copy (select * from results where job_id = '${jobId}') to stdout`).readable();
  const into = await sql`copy floor_results from stdin`.writable();
  await pipeline(out, into);
  if (!into.writableFinished) await once(into, 'finish');
  const seconds = (performance.now() - started) / 1000;
  await sql`drop table floor_results`;
  return seconds;
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  // What every job pays whatever its size, subtracted to get the time an input adds: the median of three jobs of
  // one input (one alone varies by a few tenths of a second, as much as a 1,000-input job's own share).
  const fixedRuns: SizeFigures[] = [];
  for (let i = 0; i < FIXED_RUNS; i++) {
    const line = await runSize(opts, 1);
    printFigures({ ...line, role: 'fixed cost of a job (one input)' });
    fixedRuns.push(line);
  }
  const fixed = [...fixedRuns].sort((a, b) => a.stored_s - b.stored_s)[Math.floor(FIXED_RUNS / 2)]!;
  const lines: SizeFigures[] = [];
  for (const inputs of sizesOf(opts)) {
    const line = await runSize(opts, inputs);
    const netS = line.stored_s - fixed.stored_s;
    const figures = {
      ...line,
      net_stored_s: round(netS),
      net_ms_per_input: round((netS / inputs) * 1000, 3),
    };
    printFigures(figures);
    lines.push(figures);
  }
  const perInput = lines
    .filter((l) => l.inputs >= 1_000)
    .map((l) => ({ inputs: l.inputs, ms: l.net_ms_per_input as number }));
  const values = perInput.map((p) => p.ms);
  const store = lines.filter((l) => l.inputs >= 1_000).map((l) => l.store_ms_per_input as number);
  const summary = {
    scenario: 'scaling',
    provider: opts.provider,
    workers: opts.workers,
    fixed_stored_s: fixed.stored_s,
    net_ms_per_input: Object.fromEntries(perInput.map((p) => [p.inputs, p.ms])),
    spread: values.length > 0 ? round(Math.max(...values) / Math.min(...values)) : Number.NaN,
    store_ms_per_input: Object.fromEntries(lines.map((l) => [l.inputs, l.store_ms_per_input])),
    store_spread: store.length > 0 ? round(Math.max(...store) / Math.min(...store)) : Number.NaN,
    // For `--workers 1,2`: the largest job's end to end.
    end_to_end_s: lines.at(-1)?.end_to_end_s ?? Number.NaN,
    target: TARGET,
  };
  printFigures(summary);
  return summary;
}
