import type { Router } from 'express';
import type { BlobStore } from './blob-store';
import type { Clock } from './clock';
import type { FaultRegistry } from './faults';
import type { Scheduler } from './scheduler';
import type { StatsRegistry } from './stats';
import type { WebhookSender } from './webhook-sender';

/** What every provider emulation shares. */
export interface EmulatorContext {
  clock: Clock;
  scheduler: Scheduler;
  faults: FaultRegistry;
  stats: StatsRegistry;
  blobs: BlobStore;
  /** Length of each batch state, before `slow_factor`. */
  stepMs: number;
}

export interface EmulatorProvider {
  name: string;
  /** e.g. `/openai/v1`. */
  mountPath: string;
  /** The variables that point Tranche's client of this provider at the emulator served at `emulatorUrl`. */
  clientEnv(emulatorUrl: string): Record<string, string>;
  /**
   * Variables read by a provider SDK's own credential chain, not by Tranche's settings, that point it at a token
   * endpoint served here (Azure's managed identity: `IDENTITY_ENDPOINT`, `IDENTITY_HEADER`).
   */
  credentialEnv?(emulatorUrl: string): Record<string, string>;
  router: Router;
  /** Its outgoing webhooks (OpenAI's `batch.*` events), for a provider that sends them: `/_emulator/webhooks/<name>`. */
  webhooks?: WebhookSender;
  /** Forget all objects; the blob store is cleared by the caller. */
  reset(): void;
  close(): Promise<void>;
}
