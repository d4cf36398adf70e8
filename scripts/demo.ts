/**
 * pnpm demo [-- --provider openai --inputs N --model M --yes]
 *
 * One batch job end to end, in one process: checks Postgres and Redis, starts the provider's emulator (when its
 * variables are not set), the HTTP API and a worker, submits a job of short notes and heavy documents through the
 * HTTP API, shows progress, prints the reconciliation report, then submits the same run again to show replay.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { descriptorOf, type Provider } from '@tranche/adapters';
import { isTerminal, type JobView, TrancheClient, WaitTimeoutError } from '@tranche/client';
import { ConfigError } from '@tranche/config';
import { type EmulatorHandle, startEmulator } from '@tranche/emulator';
import { loadApiEnv, type RunningApi, startApi } from '@tranche/producer';
// The worker app has no package entry point: import its modules directly.
import { loadWorkerEnv, type RunningWorker, startWorker } from '@tranche/worker';
import { type DemoArgs, parseDemoArgs, USAGE, UsageError } from './demo/args';
import { emulatorStats } from './demo/emulator-stats';
import { demoInputs, demoJob } from './demo/inputs';
import { ensurePostgres, ensureRedis, PreflightError, safeUrl } from './demo/preflight';
import { Progress, seconds } from './demo/progress';
import { isDemoProvider, PROVIDER_CHOICES } from './demo/providers';
import { costReport, estimateReport, reconciliationReport, sampleReport, usageReport } from './demo/report';

// A database of its own: the demo's worker must never sweep a real deployment's jobs towards the emulator.
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tranche_demo';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = 'demo';
const EMULATOR_STEP_MS = 300;
const EMULATOR_DEADLINE_MS = 120_000;
const REAL_PAUSE_S = 10;

class Interrupted extends Error {}

const interrupt = new AbortController();
let sigints = 0;
process.on('SIGINT', () => {
  sigints += 1;
  if (sigints > 1) {
    console.error('\ndemo: second Ctrl-C, exiting now');
    process.exit(130);
  }
  interrupt.abort();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      interrupt.signal.removeEventListener('abort', done);
      resolve();
    }
    interrupt.signal.addEventListener('abort', done, { once: true });
  });
}

function checkInterrupt(): void {
  if (interrupt.signal.aborted) throw new Interrupted();
}

function owner(): string {
  try {
    return process.env.USER || userInfo().username || 'demo';
  } catch {
    return 'demo';
  }
}

const say = (line = '') => console.log(line);

/** Everything the demo started, stopped in reverse order. */
class Running {
  emulator: EmulatorHandle | null = null;
  api: RunningApi | null = null;
  worker: RunningWorker | null = null;

  async stop(): Promise<void> {
    const deadline = setTimeout(() => {
      console.error('demo: shutdown took over 20 s, exiting');
      process.exit(1);
    }, 20_000);
    deadline.unref();
    // Worker first: it finishes the queue job in hand, then the API, then the provider it talks to.
    await this.worker?.close();
    await this.api?.close();
    await this.emulator?.close();
    clearTimeout(deadline);
  }
}

/** `client.wait` with the progress line, stopped by Ctrl-C or after `deadlineMs`. */
async function waitWithProgress(
  api: TrancheClient,
  jobId: string,
  options: { startedAt: number; intervalMs: number; deadlineMs: number },
): Promise<JobView> {
  const progress = new Progress();
  try {
    return await api.wait(jobId, {
      intervalMs: options.intervalMs,
      timeoutMs: options.deadlineMs,
      signal: interrupt.signal,
      onProgress: (job) => {
        const elapsed = Date.now() - options.startedAt;
        if (isTerminal(job.status)) progress.done(job, elapsed);
        else progress.update(job, elapsed);
      },
    });
  } catch (error) {
    progress.interrupt();
    if (interrupt.signal.aborted) throw new Interrupted();
    if (error instanceof WaitTimeoutError)
      throw new Error(`job ${jobId} is still ${error.job.status} after ${seconds(options.deadlineMs)}`);
    throw error;
  }
}

/** Cancels a job left running (Ctrl-C, deadline), so no batch is left in flight, and waits a little for it. */
async function cancelQuietly(api: TrancheClient, jobId: string): Promise<void> {
  try {
    if (isTerminal((await api.get(jobId)).status)) return;
    say(`  cancelling job ${jobId} so nothing is left in flight…`);
    await api.cancel(jobId);
    const job = await api.wait(jobId, { intervalMs: 300, timeoutMs: 10_000 }).catch((error: unknown) => {
      if (error instanceof WaitTimeoutError) return error.job;
      throw error;
    });
    say(`  job ${jobId}: ${job.status}`);
  } catch (error) {
    console.error(`  could not cancel job ${jobId}: ${error instanceof Error ? error.message : error}`);
  }
}

async function run(args: DemoArgs, running: Running): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  // main() checked the name.
  const provider = descriptorOf(args.provider as Provider);
  const model = args.model ?? provider.demo.chatModel;
  const onEmulator = !provider.env.realWhen.every((name) => process.env[name]);

  const generated = demoInputs(args.inputs);
  const size =
    generated.bytes >= 1024 * 1024
      ? `${(generated.bytes / 1024 / 1024).toFixed(1)} MB`
      : `${Math.ceil(generated.bytes / 1024)} KB`;
  say(
    `Tranche demo: ${args.inputs} inputs (${generated.heavy} documents of 60-100 KB, ${generated.duplicates} exact duplicate${generated.duplicates === 1 ? '' : 's'}, ${size} of prompts), provider ${args.provider}, model ${model}`,
  );
  say();

  const pg = await ensurePostgres(databaseUrl);
  say(`  Postgres  ${safeUrl(databaseUrl)}  ok${pg.created ? ' (database created)' : ''}`);
  await ensureRedis(redisUrl);
  say(`  Redis     ${safeUrl(redisUrl)}  ok`);
  checkInterrupt();

  let providerEnv: Record<string, string> = {};
  if (onEmulator) {
    running.emulator = await startEmulator({ port: 0, stepMs: EMULATOR_STEP_MS });
    providerEnv = provider.env.emulator(running.emulator.url);
    // Some requests fail once with a 500, as real batches do: the worker sends them again in a new batch. Not where a
    // batch has a minimum (AWS Bedrock's 100 records): so few requests could not go out again, and would fail.
    const { minRequests } = provider.limits;
    if (minRequests === undefined) {
      running.emulator.setFaults({
        request_errors: { provider: args.provider, rate: 0.03, status: 500, max_per_custom_id: 1 },
      });
    }
    say(
      `  Provider  ${provider.label} emulator at ${running.emulator.url} (no ${provider.env.realWhen.join(' + ')} set: nothing leaves this machine, nothing is billed)`,
    );
    say(
      minRequests === undefined
        ? '            3% of requests fail once with a 500, to show retries'
        : `            no injected failures: a retry round under ${provider.label}'s ${minRequests}-request minimum fails instead of going out`,
    );
  } else {
    const tokens = Math.round(generated.bytes / 4);
    say(
      `  Provider  ${provider.label} (${provider.env.realEndpoint}) with your ${provider.env.realWhen.join(' + ')}`,
    );
    say(
      `            This COSTS MONEY: about ${tokens.toLocaleString('en-US')} input tokens of ${model} at batch prices, and`,
    );
    say('            a batch can take from minutes up to the 24 h window. Ctrl-C cancels the job.');
    if (!args.yes) {
      say(`            Starting in ${REAL_PAUSE_S} s (Ctrl-C to stop; --yes skips this pause)…`);
      await sleep(REAL_PAUSE_S * 1000);
    }
  }
  checkInterrupt();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX,
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    HOST: '127.0.0.1',
    PORT: '0',
    API_KEYS: '', // empty counts as unset: this local API takes no bearer key
    CHUNK_MAX_REQUESTS: '100',
    POLL_INTERVAL_S: onEmulator ? '1' : process.env.POLL_INTERVAL_S || '30',
    MIN_POLL_INTERVAL_S: onEmulator ? '1' : process.env.MIN_POLL_INTERVAL_S || '30',
    SWEEP_INTERVAL_S: onEmulator ? '5' : '60',
    ...providerEnv,
  };
  running.api = await startApi(loadApiEnv(env));
  running.worker = await startWorker(loadWorkerEnv(env));
  say(`  API       ${running.api.url}  (queue prefix "${QUEUE_PREFIX}", one worker in this process)`);
  say();
  checkInterrupt();

  const api = new TrancheClient({ url: running.api.url });
  const runId = `demo-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const spec = demoJob({
    provider: args.provider,
    model,
    inputs: generated.inputs,
    owner: owner(),
    runId,
  });

  for (const line of estimateReport(await api.estimate(spec))) say(line);
  say();
  const statsBefore = running.emulator ? await emulatorStats(running.emulator.url, args.provider) : null;
  const startedAt = Date.now();
  const submitted = await api.submit(spec);
  say(`  POST /v1/jobs -> 202 ${JSON.stringify(submitted)}`);
  let job: JobView;
  try {
    job = await waitWithProgress(api, submitted.job_id, {
      startedAt,
      intervalMs: onEmulator ? 250 : 5_000,
      deadlineMs: onEmulator ? EMULATOR_DEADLINE_MS : 25 * 3600 * 1000,
    });
  } catch (error) {
    await cancelQuietly(api, submitted.job_id);
    throw error;
  }
  const elapsed = Date.now() - startedAt;
  const rounds = new Set(job.batches.map((b) => b.round)).size;
  say();
  say(
    `  Job ${job.job_id} ${job.status} in ${seconds(elapsed)}: ${job.batches.length} provider batch${job.batches.length === 1 ? '' : 'es'} over ${rounds} round${rounds === 1 ? '' : 's'}, run_id ${job.metadata.run_id}`,
  );
  say();
  const check = reconciliationReport(job);
  for (const line of check.lines) say(line);
  say();
  for (const line of usageReport(job)) say(line);
  say();
  for (const line of costReport(job)) say(line);
  if (onEmulator)
    say(
      '    (the emulator bills UTF-8 bytes / 4 as tokens, not what the real tokenizer of the dry run counts)',
    );
  say(`    by project, provider and model: ${running.api.url}/dashboard  (GET /v1/costs)`);
  say();
  for (const line of sampleReport(await Array.fromAsync(api.results(job.job_id)))) say(line);
  if (onEmulator) say('    (the emulator answers with placeholder JSON built from the output schema)');
  say();
  checkInterrupt();

  // The same run again: every request that already succeeded is skipped, nothing is sent or paid twice.
  const statsAfterFirst = running.emulator ? await emulatorStats(running.emulator.url, args.provider) : null;
  const replay = await api.submit(spec);
  say(`  Replay: the same job again with run_id ${runId}`);
  say(`    POST /v1/jobs -> 202 ${JSON.stringify(replay)}`);
  let replayJob = await api.get(replay.job_id);
  if (replay.to_send > 0) {
    say(`    ${replay.to_send} request(s) had not succeeded the first time: sending only those`);
    replayJob = await waitWithProgress(api, replay.job_id, {
      startedAt: Date.now(),
      intervalMs: onEmulator ? 250 : 5_000,
      deadlineMs: onEmulator ? EMULATOR_DEADLINE_MS : 25 * 3600 * 1000,
    });
  }
  const r = replayJob.reconciliation;
  say(
    `    ${replayJob.status}: ${r.skipped_done} of ${r.submitted} distinct requests skipped as already done (skipped_done), ${replay.to_send} sent`,
  );
  if (running.emulator && statsBefore && statsAfterFirst) {
    const after = await emulatorStats(running.emulator.url, args.provider);
    const first = statsAfterFirst.requests - statsBefore.requests;
    const batches = statsAfterFirst.batches - statsBefore.batches;
    say(
      `    the ${provider.label} emulator received ${first} requests in ${batches} batch${batches === 1 ? '' : 'es'} for the job (${first - job.reconciliation.submitted} of them retries), then ${after.requests - statsAfterFirst.requests} for the replay`,
    );
  }
  say();

  const replayOk = replayJob.reconciliation.submitted === r.succeeded + r.failed + r.pending;
  if (!check.ok || !replayOk) {
    console.error('demo: the reconciliation does not add up: this is a bug, please report it');
    return 1;
  }
  if (job.status !== 'completed' && job.status !== 'completed_with_failures') {
    console.error(`demo: the job ended ${job.status}`);
    return 1;
  }
  return 0;
}

async function main(): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`demo: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    say(USAGE);
    return 0;
  }
  if (!isDemoProvider(args.provider)) {
    console.error(`demo: unknown provider "${args.provider}": use ${PROVIDER_CHOICES}.`);
    return 2;
  }

  const running = new Running();
  let code: number;
  try {
    code = await run(args, running);
  } catch (error) {
    if (error instanceof PreflightError) {
      console.error(`\ndemo: ${error.message}`);
      code = 1;
    } else if (error instanceof ConfigError) {
      console.error(`\ndemo: ${error.message}`);
      code = 2;
    } else if (error instanceof Interrupted) {
      console.error('\ndemo: interrupted');
      code = 130;
    } else {
      console.error(`\ndemo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      code = 1;
    }
  }
  const started = [
    running.worker && 'the worker',
    running.api && 'the API',
    running.emulator && 'the emulator',
  ];
  await running.stop();
  const stopped = started.filter(Boolean);
  if (stopped.length > 0) say(`  Stopped ${stopped.join(', ').replace(/, ([^,]*)$/, ' and $1')}.`);
  return code;
}

const code = await main();
process.exitCode = code;
// Everything is closed; if a stray handle still holds the event loop, do not hang the terminal.
setTimeout(() => {
  console.error('demo: a handle kept the process alive after shutdown; exiting');
  process.exit(code);
}, 3_000).unref();
