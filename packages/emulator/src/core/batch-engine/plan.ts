import type { BatchFaults, FaultRegistry } from '../faults';
import { createRng, type Rng, seedFrom, shuffledIndices } from '../prng';
import type { CompletionPlan } from './batch';

/**
 * The random streams of a batch. Their inputs `(seed, provider, seq, stream)` are part of the emulator's behaviour:
 * changing one changes the shuffled orders, result ids and fault draws that tests rely on.
 */
export type BatchStream = 'order' | 'invalid-json' | 'request-errors' | 'result-ids';

export function batchRng(seed: number, provider: string, seq: number, stream: BatchStream): Rng {
  return createRng(seedFrom(seed, provider, seq, stream));
}

/** Shuffles the completion order of `outcomes` (drawing from `rng`) and sums the failures along it. */
export function completionPlan<O>(
  outcomes: readonly O[],
  failed: (outcome: O) => boolean,
  rng: Rng,
): CompletionPlan {
  const total = outcomes.length;
  const order = shuffledIndices(total, rng);
  const failedBefore = new Uint32Array(total + 1);
  for (let k = 0; k < total; k++)
    failedBefore[k + 1] = failedBefore[k]! + (failed(outcomes[order[k]!]!) ? 1 : 0);
  return { total, order, failedBefore };
}

/** `request_errors` for one batch: asked request by request, in input order, for each request that would succeed. */
export type RequestErrorDraw = (id: string) => number | null;

/**
 * The status `id` fails with instead, or null; null for every request when the batch has no such fault. The
 * fault's `max_per_custom_id` counts failures per id across the provider's batches.
 */
export function requestErrorDraw(
  faults: BatchFaults,
  registry: FaultRegistry,
  provider: string,
  seq: number,
): RequestErrorDraw {
  const policy = faults.requestErrors;
  if (!policy || policy.rate <= 0) return () => null;
  const rng = batchRng(faults.seed, provider, seq, 'request-errors');
  return (id) =>
    rng.next() < policy.rate && registry.allowRequestFailure(provider, id, policy.maxPerCustomId)
      ? policy.status
      : null;
}

/** Replaces the outcomes `draw` picks (among those that would succeed) with `failWith(status)`. */
export function injectRequestErrors<O>(
  outcomes: O[],
  draw: RequestErrorDraw,
  request: { failed(outcome: O): boolean; id(index: number): string; failWith(status: number): O },
): void {
  for (let i = 0; i < outcomes.length; i++) {
    if (request.failed(outcomes[i]!)) continue;
    const status = draw(request.id(i));
    if (status !== null) outcomes[i] = request.failWith(status);
  }
}
