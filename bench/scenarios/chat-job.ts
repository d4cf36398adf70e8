import { measureFloor } from '../floor';
import {
  type BenchOptions,
  CHAT_MODELS,
  chatInputs,
  numberFlag,
  printFigures,
  processPeaks,
  round,
  sampleRss,
  startBenchStack,
  submitAndWait,
} from '../harness';

export interface ChatJobScenario {
  name: string;
  inputs: number;
  bytesPerInput: number;
  target: string;
  /** Extra environment for the API and the workers. */
  env?: Record<string, string>;
  /** How often the bench reads the job view while it waits, ms. */
  waitIntervalMs?: number;
}

/**
 * One chat job of N generated inputs, end to end through the API, the workers and the emulator, then the floor
 * for the same inputs in the same stack. `--inputs N` and `--bytes N` override the scenario's size.
 */
export async function runChatJob(
  scenario: ChatJobScenario,
  opts: BenchOptions,
): Promise<Record<string, unknown>> {
  const count = numberFlag(opts, '--inputs', scenario.inputs);
  const bytes = numberFlag(opts, '--bytes', scenario.bytesPerInput);
  const inputs = chatInputs(count, bytes);
  const stack = await startBenchStack({
    name: scenario.name,
    workers: opts.workers,
    provider: opts.provider,
    env: scenario.env,
  });
  try {
    const header = {
      provider: opts.provider,
      model: CHAT_MODELS[opts.provider],
      metadata: { project: 'bench', owner: 'bench' },
    };
    const rss = sampleRss(stack);
    const inputsFirst = opts.extra.includes('--inputs-first');
    const job = await submitAndWait(stack, header, inputs, {
      body: opts.body,
      inputsFirst,
      waitIntervalMs: scenario.waitIntervalMs,
    });
    const peaks = processPeaks(stack);
    rss.stop();
    const floor = await measureFloor(stack, opts.provider, inputs);
    const { job_id: _jobId, ...figures } = job;
    const line = {
      scenario: scenario.name,
      provider: opts.provider,
      workers: opts.workers,
      bytes_per_input: bytes,
      ...figures,
      ...(inputsFirst ? { json_inputs_first: true } : {}),
      inputs_per_s: Math.round(count / job.end_to_end_s),
      mb_per_s: round(job.body_mb / job.end_to_end_s, 1),
      floor_s: round(floor.totalS),
      floor_copy_s: round(floor.copyS),
      floor_upload_s: round(floor.uploadS),
      floor_download_s: round(floor.downloadS),
      floor_files: floor.files,
      vs_floor: round(job.end_to_end_s / floor.totalS),
      ...peaks,
      // When each process was at its highest (seconds after the submit began), to tell the phase that made it.
      rss_peak_at_s: rss.peaks(),
      target: scenario.target,
    };
    printFigures(line);
    return line;
  } finally {
    await stack.stop();
  }
}
