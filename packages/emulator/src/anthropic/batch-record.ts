import type { BatchFaults } from '../core/faults';
import type { Outcome } from './message-executor';

/** Every request's outcome, fixed at creation, and the order they complete in. */
export interface BatchPlan {
  customIds: string[];
  outcomes: Outcome[];
  /** Request indices in completion order; the results file follows it, so its order is shuffled. */
  order: Uint32Array;
  /** `erroredBefore[k]`: errored outcomes among the first k of `order`. */
  erroredBefore: Uint32Array;
}

export type EndReason = 'processed' | 'canceled' | 'expired';

export interface BatchRecord {
  seq: number;
  id: string;
  faults: BatchFaults;
  /** Length of each state: `stepMs × slow_factor` at creation. */
  stepMs: number;
  createdAtMs: number;
  plan: BatchPlan;
  cancelInitiatedAtMs: number | null;
  /** Set once the results file is written. */
  endedAtMs: number | null;
  /** How many requests of `order` ran; fixed by a cancel, or when processing stops. */
  ran: number | null;
  endReason: EndReason | null;
  resultsPath: string | null;
  /** Writing the results file, started once, awaited by every reader. */
  writing: Promise<void> | null;
  unschedule: (() => void) | null;
  /** Dropped by a reset or a delete: late work must not keep files. */
  discarded: boolean;
}
