import type { CompletionPlan } from '../core/batch-engine/batch';
import { completionPlan, injectRequestErrors, type RequestErrorDraw } from '../core/batch-engine/plan';
import type { Rng } from '../core/prng';
import { type ApiErrorObject, type Outcome, requestError } from './request-executor';

/** A batch of OpenAI-style requests that ran: every outcome, in completion order with running sums. */
export interface CompatiblePlan<CustomId extends string | null = string> extends CompletionPlan {
  model: string;
  customIds: CustomId[];
  outcomes: Outcome[];
  /** Sums over the first k requests of `order`, so usage at any progress is O(1). */
  inputTokensBefore: Float64Array;
  outputTokensBefore: Float64Array;
  cachedTokensBefore: Float64Array;
}

/** Fails the requests `request_errors` picks with the provider's error for the status. */
export function injectCompatibleErrors<CustomId extends string | null>(
  customIds: CustomId[],
  outcomes: Outcome[],
  draw: RequestErrorDraw,
  errorFor: (status: number) => ApiErrorObject,
): void {
  injectRequestErrors(outcomes, draw, {
    failed: (outcome) => outcome.kind === 'error',
    // Requests without a custom id (Mistral) share the cap by position.
    id: (index) => customIds[index] ?? `#${index}`,
    failWith: (status) => requestError(status, errorFor(status)),
  });
}

/** Shuffles the completion order (drawing from `rng`) and precomputes the sums `CompatiblePlan` describes. */
export function compatiblePlan<CustomId extends string | null>(
  model: string,
  customIds: CustomId[],
  outcomes: Outcome[],
  rng: Rng,
): CompatiblePlan<CustomId> {
  const plan = completionPlan(outcomes, (outcome) => outcome.kind === 'error', rng);
  const { total, order } = plan;
  const inputTokensBefore = new Float64Array(total + 1);
  const outputTokensBefore = new Float64Array(total + 1);
  const cachedTokensBefore = new Float64Array(total + 1);
  for (let k = 0; k < total; k++) {
    const outcome = outcomes[order[k]!]!;
    inputTokensBefore[k + 1] = inputTokensBefore[k]! + (outcome.kind === 'error' ? 0 : outcome.promptTokens);
    outputTokensBefore[k + 1] =
      outputTokensBefore[k]! + (outcome.kind === 'chat' ? outcome.completionTokens : 0);
    cachedTokensBefore[k + 1] = cachedTokensBefore[k]! + (outcome.kind === 'chat' ? outcome.cachedTokens : 0);
  }
  return { ...plan, model, customIds, outcomes, inputTokensBefore, outputTokensBefore, cachedTokensBefore };
}
