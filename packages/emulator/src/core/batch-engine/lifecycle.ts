import type { EngineBatch } from './batch';

/**
 * What a provider's batches do differently in time; the rest is common to all of them:
 * - `starting` (OpenAI `validating`, Mistral `QUEUED`, Vertex `JOB_STATE_PENDING`, Anthropic's queued `in_progress`)
 *   lasts a step, and until the plan is ready (Anthropic's is ready at create); a failed plan ends it `failed`.
 * - `running` lasts a step, the requests finishing evenly over it; the `expire` fault ends it `expired` with only
 *   its fraction done.
 * - `cancelling` lasts a step, and until the plan is ready; what ran before the cancel reaches the results.
 * Status names, counts, result files and what a cancel of an ended batch answers are the provider's.
 */
export interface LifecycleProfile {
  /** OpenAI: a `finalizing` step after running (none after an expiry). */
  finalizing: boolean;
  /** Mistral (seen live): a cancel before the batch runs ends it at once, with no results. */
  cancelBeforeRunning: 'ends-at-once' | 'cancelling';
}

/** When the current phase ends, or null when it does not end by time alone. */
export function nextTransitionAt(batch: EngineBatch): number | null {
  const { at, stepMs, planReadyAt } = batch;
  switch (batch.phase) {
    case 'starting':
      return planReadyAt === null ? null : Math.max(at.created + stepMs, planReadyAt);
    case 'running':
      return at.running! + stepMs;
    case 'finalizing':
      return at.finalizing! + stepMs;
    case 'cancelling':
      return planReadyAt === null ? null : Math.max(at.cancelling! + stepMs, planReadyAt);
    case 'ended':
      return null;
  }
}
