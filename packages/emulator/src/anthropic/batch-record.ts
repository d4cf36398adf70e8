import type { CompletionPlan, EngineBatch } from '../core/batch-engine/batch';
import type { Outcome } from './message-executor';

/** Every request's outcome, fixed at creation, and the order they complete in. */
export interface BatchPlan extends CompletionPlan {
  customIds: string[];
  outcomes: Outcome[];
}

/** A message batch: its requests ran when it was created, so it never fails (a bad create is a 400). */
export type AnthropicBatch = EngineBatch<BatchPlan, never> & {
  /** The results file, once the batch has ended. */
  resultsPath: string | null;
};
