import { descriptorOf, type Provider } from '@tranche/adapters';
import { isTerminal } from '@tranche/client';
import { expect } from 'vitest';
import { clientFor } from '../support/client';
import { chatJob } from '../support/jobs';
import { type Stack, type StackOptions, startStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { recordFaultRow } from './fault-table';
import { measure } from './invariants';

/**
 * An outage longer than the queue's own retries of one job (8 attempts, 2 s doubling: about 4.5 minutes in all), which
 * is what used to leave a job stuck for good.
 */
export const OUTAGE_MS = 5 * 60_000;

/** How long a job may take to finish by itself once its fault is over. */
const RECOVERY_LIMIT_MS = 10 * 60_000;

export interface FaultCase {
  name: string;
  /** What is injected, as RELIABILITY.md's table says it. */
  injected: string;
  inputs?: number;
  provider?: Provider;
  stack?: Partial<StackOptions>;
  /** Faults and settings in force before the job is submitted. */
  before?(stack: Stack): Promise<void> | void;
  /** Does the damage while the job runs; resolves when the fault is over (the clock of recovery starts then). */
  inject(stack: Stack, jobId: string): Promise<void>;
}

/**
 * Runs one fault case on a Tranche of its own (API, workers, emulator, database, queue prefix): submits a job,
 * injects the fault, lets the job finish with no help, then checks what every case must leave behind and records
 * the figures for the fault table.
 */
export async function runFaultCase(fault: FaultCase): Promise<void> {
  const stack = await startStack({ name: `fault-${slug(fault.name)}`, workers: 1, ...fault.stack });
  try {
    await fault.before?.(stack);
    const inputs = fault.inputs ?? 200;
    const api = clientFor(stack);
    const { job_id: jobId } = await api.submit({
      ...chatJob(inputs),
      provider: fault.provider ?? 'openai',
      model: descriptorOf(fault.provider ?? 'openai').demo.chatModel,
    });
    await fault.inject(stack, jobId);
    const faultOver = Date.now();
    // Not client.wait: just after a fault the API itself may answer a look with a 500 (a Postgres connection cut
    // under it); what is measured is the job's recovery, so such a look is taken again.
    const view = await waitFor(
      `job ${jobId} to finish by itself`,
      async () => {
        const job = await api.get(jobId);
        return isTerminal(job.status) && job;
      },
      { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 250 },
    );
    const recoverySeconds = (Date.now() - faultOver) / 1000;
    const figures = await measure(stack, [jobId], fault.provider ?? 'openai');
    recordFaultRow({
      case: fault.name,
      injected: fault.injected,
      status: view.status,
      recoverySeconds,
      ...figures,
    });
    expect(figures).toEqual({ inputs, lost: 0, duplicates: 0, sentTwice: 0, costsMiscounted: 0 });
    expect(['completed', 'completed_with_failures']).toContain(view.status);
  } finally {
    await stack.stop();
  }
}

/** Waits until Postgres says the job's batches reached this state (the moment to strike). */
export async function untilBatches(stack: Stack, jobId: string, state: string): Promise<void> {
  await waitFor(`a batch of the job to be ${state}`, async () => {
    const [row] = await stack.sql<{ n: number }[]>`
      select count(*)::int as n from provider_batches where job_id = ${jobId} and state = ${state}`;
    return (row?.n ?? 0) > 0;
  });
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}
