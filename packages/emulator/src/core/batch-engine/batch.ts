import type { BatchFaults } from '../faults';

/** Where a batch is in its life; each provider names these its own way (see `Stage`). */
export type Phase = 'starting' | 'running' | 'finalizing' | 'cancelling' | 'ended';
export type EndReason = 'completed' | 'failed' | 'expired' | 'cancelled';
/** The phase of a batch, or how it ended once it has: what a provider maps to its status names. */
export type Stage = Exclude<Phase, 'ended'> | EndReason;

/** What the engine needs of a provider's plan: the requests' completion order and where the failures fall in it. */
export interface CompletionPlan {
  total: number;
  /** Request indices in completion order; result files follow it, so their order is shuffled. */
  order: Uint32Array;
  /** `failedBefore[k]`: failed requests among the first k of `order`, so counts at any progress are O(1). */
  failedBefore: Uint32Array;
}

/** Either the plan, or why the batch fails before it runs (in the provider's own terms). */
export type PlanOutcome<P, F> = { ok: true; plan: P } | { ok: false; failure: F };

/** Times of the phase boundaries, in ms; each is the scheduled boundary, not the time anyone looked. */
export interface BatchTimes {
  created: number;
  running: number | null;
  finalizing: number | null;
  cancelling: number | null;
  ended: number | null;
}

/** The engine's part of a batch; a provider's batch type adds its own fields to it. */
export interface EngineBatch<P extends CompletionPlan = CompletionPlan, F = unknown> {
  readonly seq: number;
  readonly id: string;
  readonly faults: BatchFaults;
  /** Length of each phase: the emulator's step × `slow_factor`, fixed at creation. */
  readonly stepMs: number;
  phase: Phase;
  end: EndReason | null;
  readonly at: BatchTimes;
  plan: P | null;
  failure: F | null;
  /** When the plan (or the failure) was ready; the batch leaves `starting` no earlier. */
  planReadyAt: number | null;
  /** Requests done when cancel was called; the rest never run. */
  doneAtCancel: number | null;
  /** Writing the results, started once, awaited by every reader. */
  writing: Promise<void> | null;
  unschedule: (() => void) | null;
  /** Dropped by a reset or a delete: late work must not publish results. */
  discarded: boolean;
}

/** How a batch ended, for its results writer: the first `done` requests of `order` ran; `at` is the end. */
export interface BatchRun {
  done: number;
  reason: EndReason;
  at: number;
}

export function stageOf(batch: EngineBatch): Stage {
  return batch.phase === 'ended' ? batch.end! : batch.phase;
}

/** The provider's own fields of a batch type `B`. */
export type OwnFields<B extends EngineBatch> = Omit<B, keyof EngineBatch>;
