/**
 * pnpm bench load: 20 jobs of 3,000 inputs from 4 producers at once, run by 3 workers against the emulator, while a
 * reader keeps asking for the jobs' views. Prints the figures RELIABILITY.md keeps (lost, duplicated, sent twice,
 * wall time, the latency of GET /v1/jobs/:id); asserts nothing.
 */

import { TrancheClient } from '@tranche/client';
import { measure } from '../test/faults/invariants';
import { chatJob } from '../test/support/jobs';
import { startStack } from '../test/support/stack';

const PRODUCERS = 4;
const JOBS_PER_PRODUCER = 5;
const INPUTS_PER_JOB = 3_000;
const WORKERS = 3;

/** One producer: its jobs one after the other, each a distinct run with distinct prompts. */
async function produce(client: TrancheClient, producer: number, jobIds: string[]): Promise<void> {
  for (let j = 0; j < JOBS_PER_PRODUCER; j++) {
    const job = chatJob(
      INPUTS_PER_JOB,
      { metadata: { project: `load-${producer}`, owner: 'bench' } },
      (i) => ({
        id: `p${producer}-j${j}-${i}`,
        prompt: `Producer ${producer}, job ${j}: summarise document number ${i} in one line.`,
      }),
    );
    jobIds.push((await client.submit(job)).job_id);
  }
}

/** Reads job views in a loop until told to stop, keeping each answer's latency in milliseconds. */
async function readViews(client: TrancheClient, jobIds: string[], stop: { now: boolean }): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  while (!stop.now) {
    if (jobIds.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const jobId = jobIds[next++ % jobIds.length]!;
    const started = performance.now();
    await client.get(jobId);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export async function runLoadBench(): Promise<Record<string, unknown>> {
  const stack = await startStack({
    name: 'bench-load',
    workers: WORKERS,
    stepMs: 200,
    env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', POLL_INTERVAL_S: '1' },
  });
  try {
    const client = new TrancheClient({ url: stack.apiUrl });
    const jobIds: string[] = [];
    const stop = { now: false };
    const started = performance.now();
    const reading = readViews(client, jobIds, stop);
    await Promise.all(Array.from({ length: PRODUCERS }, (_, p) => produce(client, p, jobIds)));
    const submittedS = (performance.now() - started) / 1000;
    const views = [];
    for (const jobId of jobIds)
      views.push(await client.wait(jobId, { intervalMs: 250, timeoutMs: 30 * 60_000 }));
    const totalS = (performance.now() - started) / 1000;
    stop.now = true;
    const latencies = (await reading).sort((a, b) => a - b);
    const figures = await measure(stack, jobIds);
    return {
      scenario: 'load',
      producers: PRODUCERS,
      jobs: jobIds.length,
      inputs_per_job: INPUTS_PER_JOB,
      workers: WORKERS,
      completed: views.filter((v) => v.status === 'completed').length,
      ...figures,
      all_submitted_s: Number(submittedS.toFixed(1)),
      all_finished_s: Number(totalS.toFixed(1)),
      job_view_reads: latencies.length,
      job_view_p50_ms: Number(percentile(latencies, 50).toFixed(1)),
      job_view_p99_ms: Number(percentile(latencies, 99).toFixed(1)),
      job_view_max_ms: Number((latencies.at(-1) ?? Number.NaN).toFixed(1)),
    };
  } finally {
    await stack.stop();
  }
}
