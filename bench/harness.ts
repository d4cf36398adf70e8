/**
 * What every `pnpm bench <scenario>` shares: its options from argv, a whole Tranche against the emulator, inputs
 * generated on the fly, a job streamed to the API as NDJSON or one JSON body, its per-phase times and results read
 * back, and each process's peak memory. Scenarios print figures; nothing here asserts.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { TrancheClient } from '@tranche/client';
import { descriptorOf } from '../packages/adapters/src/providers';
import { PROVIDERS, type Provider } from '../packages/adapters/src/types';
import { type Stack, startStack } from '../test/support/stack';

export { PROVIDERS, type Provider };
export type BodyFormat = 'ndjson' | 'json';

export interface BenchOptions {
  workers: number;
  provider: Provider;
  body: BodyFormat;
  /** Flags the dispatcher does not know, left for the scenario (e.g. `--inputs 1000`). */
  extra: string[];
}

/** A chat model of each provider the emulator prices and answers. */
export const CHAT_MODELS = Object.fromEntries(
  PROVIDERS.map((provider) => [provider, descriptorOf(provider).demo.chatModel]),
) as Record<Provider, string>;

export interface ParsedArgs {
  scenario: string;
  /** One run per worker count: `--workers 1,2` runs the scenario twice and prints both side by side. */
  runs: BenchOptions[];
}

/** `<scenario> [--workers N|N,M] [--provider X] [--body json|ndjson] [scenario flags...]` */
export function parseBenchArgs(args: string[]): ParsedArgs {
  const [scenario = 'heavy', ...rest] = args.filter((a) => a !== '--');
  let workerCounts = [1];
  let provider: Provider = 'openai';
  let body: BodyFormat = 'ndjson';
  const extra: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const [name, inline] = flag.includes('=') ? flag.split('=', 2) : [flag, undefined];
    const value = () => inline ?? rest[++i] ?? '';
    if (name === '--workers') {
      const raw = value();
      workerCounts = raw.split(',').map((n) => Number(n.trim()));
      if (workerCounts.some((n) => !Number.isInteger(n) || n < 1))
        throw new Error(`--workers takes whole numbers of at least 1 (e.g. 2 or 1,2), got "${raw}"`);
    } else if (name === '--provider') {
      const raw = value();
      if (!(PROVIDERS as readonly string[]).includes(raw))
        throw new Error(`--provider must be one of ${PROVIDERS.join(', ')}, got "${raw}"`);
      provider = raw as Provider;
    } else if (name === '--body') {
      const raw = value();
      if (raw !== 'ndjson' && raw !== 'json') throw new Error(`--body must be ndjson or json, got "${raw}"`);
      body = raw;
    } else {
      extra.push(flag);
    }
  }
  return { scenario, runs: workerCounts.map((workers) => ({ workers, provider, body, extra })) };
}

/** A scenario flag from `BenchOptions.extra`, e.g. `numberFlag(opts, '--inputs', 3000)`. */
export function numberFlag(opts: BenchOptions, name: string, fallback: number): number {
  const at = opts.extra.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  const flag = opts.extra[at]!;
  const raw = flag.includes('=') ? flag.slice(name.length + 1) : opts.extra[at + 1];
  const value = Number(raw?.replaceAll('_', ''));
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number, got "${raw ?? 'nothing'}"`);
  return value;
}

export interface BenchStackOptions {
  name: string;
  workers: number;
  provider: Provider;
  /** Extra environment for the API and the workers (e.g. `POLL_INTERVAL_S`, `CHUNK_MAX_REQUESTS`). */
  env?: Record<string, string>;
  /** The emulator's time per batch state; 20 ms unless told. */
  stepMs?: number;
}

export interface BenchStack extends Stack {
  provider: Provider;
}

/** API + N workers (real processes, the worker with its bounded heap) + the emulator, 20 ms per batch state. */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const stack = await startStack({
    name: `bench-${options.name}`,
    workers: options.workers,
    stepMs: options.stepMs ?? 20,
    env: {
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      POLL_INTERVAL_S: '0.1',
      // e.g. BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the API and the workers.
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...options.env,
      // e.g. BENCH_STACK_ENV='MALLOC_ARENA_MAX=2,FETCH_SLICE=2000': a try without editing a scenario.
      ...stackEnvFromBenchEnv(process.env.BENCH_STACK_ENV),
    },
  });
  return Object.assign(stack, { provider: options.provider });
}

function stackEnvFromBenchEnv(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  return Object.fromEntries(
    raw.split(',').map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`BENCH_STACK_ENV: "${pair}" is not NAME=value`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1)];
    }),
  );
}

const WORDS = [
  'contract',
  'invoice',
  'clause',
  'amount',
  'party',
  'date',
  'term',
  'notice',
  'payment',
  'liability',
];

/** Deterministic filler text of exactly `bytes` ASCII characters, different for every input. */
export function documentText(i: number, bytes: number): string {
  const parts = [`Document ${i}. `];
  let length = parts[0]!.length;
  let n = i;
  while (length < bytes) {
    n = (n * 1103515245 + 12345) & 0x7fffffff;
    const word = `${WORDS[n % WORDS.length]} `;
    parts.push(word);
    length += word.length;
  }
  return parts.join('').slice(0, bytes);
}

export interface ChatInput {
  id: string;
  prompt: string;
}

/**
 * `count` chat inputs of `bytes` characters each, made again on every iteration so that a 1 GB job is never
 * held in the bench's memory.
 */
export function chatInputs(count: number, bytes: number): BenchInputs<ChatInput> {
  return {
    count,
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i++) yield { id: `doc-${i}`, prompt: documentText(i, bytes) };
    },
  };
}

/** Inputs that can be iterated more than once (the job, then the floor), and know how many they are. */
export interface BenchInputs<T = Record<string, unknown>> extends Iterable<T> {
  count: number;
}

/** Peak resident memory (VmHWM) of a live process, in MB; NaN once it has gone. */
export function peakRssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory (VmRSS) of a live process, in MB; NaN once it has gone. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface RssTimeline {
  /** Seconds after the sampler started when each process was at its highest sample, and that sample. */
  peaks(): Record<string, { mb: number; at_s: number }>;
  stop(): void;
}

/**
 * Samples every process's RSS every `everyMs`: when the peak happened says which phase made it (line it up with the
 * job's `last_*` times).
 */
export function sampleRss(stack: Stack, everyMs = 200): RssTimeline {
  const started = performance.now();
  const peaks: Record<string, { mb: number; at_s: number }> = {};
  const processes = [stack.api, ...stack.workers];
  const timer = setInterval(() => {
    for (const process of processes) {
      const mb = rssMb(process.child.pid);
      const name = process.name.replace(`${stack.name}-`, '');
      if (!(mb <= (peaks[name]?.mb ?? 0)))
        peaks[name] = { mb: Math.round(mb), at_s: round((performance.now() - started) / 1000, 1) };
    }
  }, everyMs);
  timer.unref();
  return { peaks: () => peaks, stop: () => clearInterval(timer) };
}

/**
 * Each process's peak memory, read before the stack stops. The emulator runs inside the bench's own process, so
 * its figure is that process's (the emulator, the bench's generators and the floor's client): not Tranche.
 */
export function processPeaks(stack: Stack): Record<string, number | number[]> {
  const workers = stack.workers.map((w) => Math.round(peakRssMb(w.child.pid)));
  return {
    api_peak_rss_mb: Math.round(peakRssMb(stack.api.child.pid)),
    worker_peak_rss_mb: Math.max(...workers),
    workers_peak_rss_mb: workers,
    bench_and_emulator_peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

export interface SubmitOptions {
  body: BodyFormat;
  /** JSON only: put `inputs` before the job's other fields (the API must hold them aside until it knows the job). */
  inputsFirst?: boolean;
  /** How often the job view is read while waiting, ms (250 unless told). */
  waitIntervalMs?: number;
  timeoutMs?: number;
  /** False to skip reading the results back. */
  readResults?: boolean;
}

export interface JobFigures {
  job_id: string;
  status: string;
  /** Distinct requests the job holds (its reconciliation's `submitted`). */
  inputs: number;
  batches: number;
  body: BodyFormat;
  body_mb: number;
  intake_s: number;
  /** When the last chunk was planned (its batch row made), seconds after the job was created. */
  planned_s: number;
  first_submitted_s: number;
  last_submitted_s: number;
  last_ended_s: number;
  last_fetched_s: number;
  /** Until the job view said the job had finished. */
  finished_s: number;
  results_read_s: number;
  results_mb: number;
  results_mb_per_s: number;
  results_lines: number;
  /** Submit started → results read back. */
  end_to_end_s: number;
  succeeded: number;
  failed: number;
}

/**
 * Streams the job to `POST /v1/jobs` (backpressure respected: the bench never holds the body), waits for it to
 * finish, then reads its results back. Times are seconds from the start of the submit; the phases' `last_*` are
 * seconds after the job was created, from its batches in the final view.
 */
export async function submitAndWait(
  stack: Stack,
  header: Record<string, unknown>,
  inputs: Iterable<unknown>,
  options: SubmitOptions,
): Promise<JobFigures> {
  const started = performance.now();
  const seconds = () => round((performance.now() - started) / 1000);
  const chunks =
    options.body === 'json' ? jsonBody(header, inputs, options.inputsFirst) : ndjsonBody(header, inputs);
  const { status, body, bytes } = await postStreamed(
    `${stack.apiUrl}/v1/jobs`,
    contentType(options.body),
    chunks,
  );
  if (status !== 201 && status !== 202 && status !== 200)
    throw new Error(`submit answered ${status}: ${body.slice(0, 2000)}`);
  const jobId = (JSON.parse(body) as { job_id: string }).job_id;
  const intakeS = seconds();
  const client = new TrancheClient({ url: stack.apiUrl });
  const view = await unlessAProcessDies(
    stack,
    client.wait(jobId, {
      intervalMs: options.waitIntervalMs ?? 250,
      timeoutMs: options.timeoutMs ?? 30 * 60_000,
    }),
  );
  const finishedS = seconds();
  const read = options.readResults === false ? null : await readResults(stack.apiUrl, jobId);
  const created = Date.parse(view.created_at);
  const at = (key: 'created_at' | 'submitted_at' | 'ended_at' | 'fetched_at', pick: 'first' | 'last') => {
    const times = view.batches.map((b) => Date.parse(b[key] ?? view.created_at));
    if (times.length === 0) return Number.NaN;
    return round(((pick === 'first' ? Math.min(...times) : Math.max(...times)) - created) / 1000);
  };
  const last = (key: 'submitted_at' | 'ended_at' | 'fetched_at') => at(key, 'last');
  return {
    job_id: jobId,
    status: view.status,
    inputs: view.reconciliation.submitted,
    batches: view.batches.length,
    body: options.body,
    body_mb: round(bytes / 1024 / 1024, 1),
    intake_s: intakeS,
    planned_s: at('created_at', 'last'),
    first_submitted_s: at('submitted_at', 'first'),
    last_submitted_s: last('submitted_at'),
    last_ended_s: last('ended_at'),
    last_fetched_s: last('fetched_at'),
    finished_s: finishedS,
    results_read_s: read ? round(read.seconds) : Number.NaN,
    results_mb: read ? round(read.bytes / 1024 / 1024, 1) : Number.NaN,
    results_mb_per_s: read ? round(read.bytes / 1024 / 1024 / read.seconds, 1) : Number.NaN,
    results_lines: read?.lines ?? 0,
    end_to_end_s: seconds(),
    succeeded: view.reconciliation.succeeded,
    failed: view.reconciliation.failed,
  };
}

/**
 * `work`, or an error as soon as the API or a worker exits (a crash, an out-of-memory): a bench must not wait out
 * its timeout for a job no process is running.
 */
export function unlessAProcessDies<T>(stack: Stack, work: Promise<T>): Promise<T> {
  const deaths = [stack.api, ...stack.workers].map((process) =>
    process.exited.then((code) => {
      throw new Error(`${process.name} exited (code ${code}) mid-run: see test-output/${process.name}.log`);
    }),
  );
  return Promise.race([work, ...deaths]);
}

function contentType(body: BodyFormat): string {
  return body === 'json' ? 'application/json' : 'application/x-ndjson';
}

function* ndjsonBody(header: Record<string, unknown>, inputs: Iterable<unknown>): Generator<string> {
  yield `${JSON.stringify(header)}\n`;
  for (const input of inputs) yield `${JSON.stringify(input)}\n`;
}

/** One JSON object `{...header, "inputs": [...]}`, written element by element. */
function* jsonBody(
  header: Record<string, unknown>,
  inputs: Iterable<unknown>,
  inputsFirst = false,
): Generator<string> {
  const fields = JSON.stringify(header).slice(1, -1);
  yield inputsFirst ? '{"inputs":[' : `{${fields}${fields ? ',' : ''}"inputs":[`;
  let first = true;
  for (const input of inputs) {
    yield `${first ? '' : ','}${JSON.stringify(input)}`;
    first = false;
  }
  yield inputsFirst ? `]${fields ? ',' : ''}${fields}}` : ']}';
}

/** POSTs the pieces as one chunked body, waiting for the socket to drain; answers the status and body text. */
export function postStreamed(
  url: string,
  type: string,
  pieces: Iterable<string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const req = request(url, { method: 'POST', headers: { 'content-type': type, ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), bytes }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    const iterator = pieces[Symbol.iterator]();
    // Coalesced into ~256 KB writes: one write per input line costs the bench more than the API.
    const write = () => {
      let batch = '';
      for (;;) {
        const next = iterator.next();
        if (next.done) {
          if (batch) bytes += writeCounted(req, batch);
          req.end();
          return;
        }
        batch += next.value;
        if (batch.length >= 256 * 1024) {
          bytes += writeCounted(req, batch);
          batch = '';
          if (req.writableNeedDrain) {
            req.once('drain', write);
            return;
          }
        }
      }
    };
    write();
  });
}

function writeCounted(req: ReturnType<typeof request>, text: string): number {
  const buffer = Buffer.from(text);
  req.write(buffer);
  return buffer.length;
}

/** `GET /v1/jobs/:id/results` read as raw bytes: how fast the API serves them, not how fast a client parses. */
export async function readResults(
  apiUrl: string,
  jobId: string,
): Promise<{ bytes: number; lines: number; seconds: number }> {
  const started = performance.now();
  const response = await fetch(`${apiUrl}/v1/jobs/${jobId}/results`, {
    headers: { accept: 'application/x-ndjson' },
  });
  if (!response.ok || !response.body) throw new Error(`results answered ${response.status}`);
  let bytes = 0;
  let lines = 0;
  for await (const part of response.body) {
    bytes += part.byteLength;
    for (let i = part.indexOf(10); i >= 0; i = part.indexOf(10, i + 1)) lines += 1;
  }
  return { bytes, lines, seconds: (performance.now() - started) / 1000 };
}

/** One figure line of a scenario, as the bench prints it. */
export function printFigures(figures: Record<string, unknown>): void {
  console.log(JSON.stringify(figures));
}

export function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

/** Time since `started` (a `performance.now()`), in seconds. */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}
