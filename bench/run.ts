/**
 * `pnpm bench [heavy|small|scaling|embeddings|gb|load|costs] [--workers N|N,M] [--provider X] [--body json|ndjson]`:
 * end-to-end figures against the emulator, each line with its floor (what Postgres and the provider's API alone need
 * for the same bytes) from the same run. A scenario lives in bench/scenarios/<name>.ts and exports
 * `run(opts: BenchOptions)`, printing one JSON line per result. `--workers 1,2` runs the scenario once per count and
 * prints the runs side by side. `load`: many jobs from many producers at once (bench/load.ts); `costs [--results N
 * ...]`: the cost-reading paths (bench/costs.ts). Prints figures; asserts nothing.
 */
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { prepareTemplateDatabase } from '@tranche/db/testing';
import { runCostsBench } from './costs';
import { type BenchOptions, parseBenchArgs, printFigures } from './harness';
import { runLoadBench } from './load';

type Scenario = (opts: BenchOptions) => Promise<Record<string, unknown>>;

const SCENARIOS = ['heavy', 'small', 'scaling', 'embeddings', 'gb'] as const;

/** Loaded when asked for: a scenario another change has not written yet breaks only itself. */
async function loadScenario(name: string): Promise<Scenario> {
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new Error(`unknown scenario "${name}": use ${[...SCENARIOS, 'load', 'costs'].join(', ')}`);
  const file = new URL(`./scenarios/${name}.ts`, import.meta.url);
  if (!existsSync(file)) throw new Error(`bench/scenarios/${name}.ts is not written yet`);
  const module = (await import(file.href)) as { run?: Scenario };
  if (typeof module.run !== 'function') throw new Error(`bench/scenarios/${name}.ts exports no run(opts)`);
  return module.run;
}

/** The figures of each worker count in one line, and how much faster the most workers were than the fewest. */
function sideBySide(name: string, results: Array<{ workers: number; figures: Record<string, unknown> }>) {
  const seconds = (figures: Record<string, unknown>) =>
    typeof figures.end_to_end_s === 'number' ? figures.end_to_end_s : Number.NaN;
  const first = results[0]!;
  const last = results.at(-1)!;
  return {
    scenario: name,
    side_by_side: Object.fromEntries(results.map((r) => [`workers_${r.workers}`, r.figures])),
    speedup: Number((seconds(first.figures) / seconds(last.figures)).toFixed(2)),
  };
}

const args = process.argv.slice(2).filter((a) => a !== '--');
const name = args[0] ?? 'heavy';
const dropTemplate = await prepareTemplateDatabase();
try {
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${new Date().toISOString()}`,
  );
  if (name === 'costs') await runCostsBench(args.slice(1));
  else if (name === 'load') printFigures(await runLoadBench());
  else {
    const { runs } = parseBenchArgs(args);
    const scenario = await loadScenario(name);
    const results = [];
    for (const opts of runs) results.push({ workers: opts.workers, figures: await scenario(opts) });
    if (results.length > 1) printFigures(sideBySide(name, results));
  }
} finally {
  await dropTemplate();
}
