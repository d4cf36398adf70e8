/**
 * pnpm bench [heavy|small]...: end-to-end figures against the emulator, with the floor (what Postgres and the
 * emulator alone need for the same bytes) printed beside them; `pnpm bench load`: many jobs from many producers at
 * once (bench/load.ts); `pnpm bench costs`: the cost-reading paths. Prints figures; asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { TrancheClient } from '@tranche/client';
import { prepareTemplateDatabase } from '@tranche/db/testing';
import { type Stack, startStack } from '../test/support/stack';
import { runCostsBench } from './costs';
import { measureFloor } from './floor';
import { runLoadBench } from './load';

interface Scenario {
  name: string;
  inputs: number;
  bytesPerInput: number;
  target: string;
}

const SCENARIOS: Record<string, Scenario> = {
  heavy: {
    name: 'heavy',
    inputs: 3_000,
    bytesPerInput: 80 * 1024,
    target: 'within 2x of the floor; each peak RSS < 300 MB',
  },
  small: { name: 'small', inputs: 100_000, bytesPerInput: 200, target: 'end to end < 30 s' },
};

/** Deterministic filler text of about `bytes` characters, different for every input. */
function documentText(i: number, bytes: number): string {
  const words = [
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
  let text = `Document ${i}. `;
  let n = i;
  while (text.length < bytes) {
    n = (n * 1103515245 + 12345) & 0x7fffffff;
    text += `${words[n % words.length]} `;
  }
  return text.slice(0, bytes);
}

function peakRssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function runScenario(scenario: Scenario) {
  const stack: Stack = await startStack({
    name: `bench-${scenario.name}`,
    workers: 1,
    stepMs: 20,
    env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', POLL_INTERVAL_S: '0.1' },
  });
  try {
    const inputs = Array.from({ length: scenario.inputs }, (_, i) => ({
      id: `doc-${i}`,
      prompt: documentText(i, scenario.bytesPerInput),
    }));
    const header = {
      provider: 'openai' as const,
      model: 'gpt-4o-mini',
      metadata: { project: 'bench', owner: 'bench' },
    };
    const lines = [JSON.stringify(header), ...inputs.map((input) => JSON.stringify(input))];
    const megabytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) / 1024 / 1024;
    const client = new TrancheClient({ url: stack.apiUrl });
    const started = performance.now();
    // NDJSON, streamed (inputs given as an iterable, not an array): the API reads one input at a time.
    const submitted = await client.submit({ ...header, inputs: () => inputs.values() });
    const intakeS = (performance.now() - started) / 1000;
    const view = await client.wait(submitted.job_id, { intervalMs: 250, timeoutMs: 600_000 });
    // The results as a caller reads them: each line parsed; their bytes are the lines as the API wrote them.
    let resultBytes = 0;
    for await (const result of client.results(submitted.job_id))
      resultBytes += Buffer.byteLength(JSON.stringify(result)) + 1;
    const totalS = (performance.now() - started) / 1000;
    const floor = await measureFloor(stack, inputs);
    // When each phase ended, in seconds after the job was created: where the time goes.
    const created = Date.parse(view.created_at);
    const last = (key: 'submitted_at' | 'ended_at' | 'fetched_at') =>
      Number(
        (
          Math.max(...view.batches.map((b) => Date.parse(b[key] ?? view.created_at))) / 1000 -
          created / 1000
        ).toFixed(2),
      );
    const phases = {
      last_submitted_s: last('submitted_at'),
      last_ended_s: last('ended_at'),
      last_fetched_s: last('fetched_at'),
    };
    return {
      scenario: scenario.name,
      inputs: scenario.inputs,
      megabytes: Number(megabytes.toFixed(1)),
      status: view.status,
      batches: view.batches.length,
      intake_s: Number(intakeS.toFixed(2)),
      end_to_end_s: Number(totalS.toFixed(2)),
      inputs_per_s: Math.round(scenario.inputs / totalS),
      mb_per_s: Number((megabytes / totalS).toFixed(1)),
      results_mb: Number((resultBytes / 1024 / 1024).toFixed(1)),
      floor_s: Number(floor.totalS.toFixed(2)),
      floor_copy_s: Number(floor.copyS.toFixed(2)),
      floor_upload_download_s: Number(floor.transferS.toFixed(2)),
      vs_floor: Number((totalS / floor.totalS).toFixed(2)),
      ...phases,
      api_peak_rss_mb: Math.round(peakRssMb(stack.api.child.pid)),
      worker_peak_rss_mb: Math.round(peakRssMb(stack.workers[0]?.child.pid)),
      target: scenario.target,
    };
  } finally {
    await stack.stop();
  }
}

const args = process.argv.slice(2).filter((a) => a !== '--');
// `pnpm bench costs [--results N ...]`: the cost-reading paths over a seeded database (bench/costs.ts).
const costsFlags = args[0] === 'costs' ? args.slice(1) : null;
const load = args[0] === 'load';
const names = costsFlags || load ? [] : args.length > 0 ? args : Object.keys(SCENARIOS);
const dropTemplate = await prepareTemplateDatabase();
try {
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${new Date().toISOString()}`,
  );
  if (costsFlags) await runCostsBench(costsFlags);
  if (load) console.log(JSON.stringify(await runLoadBench()));
  for (const name of names) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${name}: use ${Object.keys(SCENARIOS).join(', ')}`);
    console.log(JSON.stringify(await runScenario(scenario)));
  }
} finally {
  await dropTemplate();
}
