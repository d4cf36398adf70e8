import type { BatchAdapter } from '@tranche/adapters';
import { type EmulatorHandle, startEmulator } from '@tranche/emulator';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { startWorkerHarness, type WorkerHarness } from './harness';
import { emulatorEnv } from './provider-batches';

/** How long each state of an emulated batch lasts, in ms (validating, in progress, finalizing...). */
const EMULATOR_STEP_MS = 20;

/** A worker harness whose OpenAI adapter talks to a provider emulator of its own. */
export interface EmulatedWorker extends Omit<WorkerHarness, 'close'> {
  emulator: EmulatorHandle;
  /** The worker's own OpenAI adapter (the one `ctx` hands out), pointed at the emulator. */
  openai: BatchAdapter;
}

export interface EmulatedWorkerOptions {
  /** More of the worker's variables, e.g. `FETCH_SLICE`. */
  env?: Record<string, string>;
  /** A harness (database, queues, logs) for each test instead of one for the file. */
  harnessPerTest?: boolean;
}

/**
 * Sets up a test file whose processors run against the provider emulator: registers the file's hooks and returns
 * the harness they fill in (read it inside tests and hooks only). After each test the spies are restored (tests spy
 * on the shared adapter) and the emulator forgets its batches, faults and counts; after the file everything closes.
 */
export function emulatedWorker(options: EmulatedWorkerOptions = {}): EmulatedWorker {
  const worker = {} as EmulatedWorker;
  let emulator: EmulatorHandle | undefined;
  let harness: WorkerHarness | undefined;
  const startHarness = async () => {
    harness = await startWorkerHarness({ ...emulatorEnv(emulator!), ...options.env });
    Object.assign(worker, harness, { emulator, openai: harness.ctx.adapters.get('openai') });
  };
  const closeHarness = async () => {
    await harness?.close();
    harness = undefined;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, stepMs: EMULATOR_STEP_MS, seed: 7 });
    if (!options.harnessPerTest) await startHarness();
  });
  if (options.harnessPerTest) beforeEach(startHarness);
  afterEach(async () => {
    vi.restoreAllMocks();
    if (options.harnessPerTest) await closeHarness();
    emulator?.resetAll();
  });
  afterAll(async () => {
    await closeHarness();
    await emulator?.close();
  });
  return worker;
}
