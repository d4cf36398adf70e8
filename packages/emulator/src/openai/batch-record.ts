import type { BatchFaults } from '../core/faults';
import type { BatchParams } from './batch-params';
import type { Outcome } from './request-executor';
import type { BatchStatus, WireBatchError } from './types';

/** A validated batch: every request's outcome, and the order they complete in. */
export interface BatchPlan<CustomId = string> {
  model: string;
  total: number;
  customIds: CustomId[];
  outcomes: Outcome[];
  /** Request indices in completion order; result files follow it, so their order is shuffled. */
  order: Uint32Array;
  /** Sums over the first k requests of `order`, so counts and usage at any progress are O(1). */
  failedBefore: Uint32Array;
  inputTokensBefore: Float64Array;
  outputTokensBefore: Float64Array;
  cachedTokensBefore: Float64Array;
}

export interface BatchRecord {
  seq: number;
  id: string;
  params: BatchParams;
  faults: BatchFaults;
  /** Length of each state: `stepMs × slow_factor` at creation. */
  stepMs: number;
  status: BatchStatus;
  createdAtMs: number;
  inProgressAtMs: number | null;
  finalizingAtMs: number | null;
  completedAtMs: number | null;
  failedAtMs: number | null;
  expiredAtMs: number | null;
  cancellingAtMs: number | null;
  cancelledAtMs: number | null;
  /** Set when validation finishes: a plan, or validation errors. */
  plan: BatchPlan | null;
  errors: WireBatchError[] | null;
  planReadyAtMs: number | null;
  /** Requests done when cancel was called; the rest never run. */
  doneAtCancel: number | null;
  outputFileId: string | null;
  errorFileId: string | null;
  /** Writing the result files, started once, awaited by every reader. */
  writing: Promise<void> | null;
  unschedule: (() => void) | null;
  /** Dropped by a reset: late work must not register files. */
  discarded: boolean;
}

export const TERMINAL_STATUSES: ReadonlySet<BatchStatus> = new Set([
  'completed',
  'failed',
  'expired',
  'cancelled',
]);
