import type { RequestEncoder } from './descriptor';
import type { BatchContext, ProviderLimits } from './types';

export interface PlannableInput {
  customId: string;
  /** Estimated bytes of this request's line in the request file, newline included. */
  bytes: number;
  /** Estimated input tokens of this request: counted against `maxTokens` when the limits set one. */
  tokens?: number;
}

/** A provider's limits, the operator's caps, and the size of the provider's quota a chunk must fit in. */
export interface ChunkLimits extends ProviderLimits {
  /** Estimated input tokens one chunk may hold at most (its provider's token quota); unset: no cap. */
  maxTokens?: number;
}

export class OversizedInputError extends Error {
  constructor(
    readonly customId: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`input ${customId} needs ${bytes} bytes, over the ${maxBytes}-byte batch limit`);
    this.name = 'OversizedInputError';
  }
}

/**
 * The tighter of the provider's hard limits and the operator's cap (and the cap's token quota, if any). The
 * provider's minimum wins over a smaller request cap: a batch under it would be refused whole.
 */
export function effectiveLimits(provider: ProviderLimits, cap: ChunkLimits): ChunkLimits {
  const { minRequests } = provider;
  return {
    maxRequests: Math.max(Math.min(provider.maxRequests, cap.maxRequests), minRequests ?? 0),
    maxBytes: Math.min(provider.maxBytes, cap.maxBytes),
    ...(minRequests !== undefined ? { minRequests } : {}),
    ...(cap.maxTokens !== undefined ? { maxTokens: cap.maxTokens } : {}),
  };
}

/**
 * Packs inputs, in order, into as few chunks as the limits allow. An input over the operator's byte cap (or alone
 * over `maxTokens`) but within the provider's hard limit (`hardMaxBytes`) goes alone in a chunk; one over the hard
 * limit is reported, not silently dropped: the caller fails it as `invalid_request`. Under a provider minimum
 * (`minRequests`), the last chunks share their inputs evenly, and a chunk still short of it takes inputs from its
 * neighbour or joins it; inputs that still cannot make a batch of that size are reported as `tooFew`, for the
 * caller to fail with that reason.
 */
export function planChunks<T extends PlannableInput>(
  items: Iterable<T>,
  limits: ChunkLimits,
  hardMaxBytes = limits.maxBytes,
  hardMaxRequests = limits.maxRequests,
): { chunks: T[][]; oversized: T[]; tooFew: T[] } {
  const maxTokens = limits.maxTokens ?? Number.POSITIVE_INFINITY;
  const chunks: T[][] = [];
  const oversized: T[] = [];
  let current: T[] = [];
  let currentBytes = 0;
  let currentTokens = 0;
  for (const item of items) {
    const tokens = item.tokens ?? 0;
    if (item.bytes > hardMaxBytes) {
      oversized.push(item);
      continue;
    }
    if (item.bytes > limits.maxBytes || tokens > maxTokens) {
      chunks.push([item]);
      continue;
    }
    if (
      current.length >= limits.maxRequests ||
      currentBytes + item.bytes > limits.maxBytes ||
      currentTokens + tokens > maxTokens
    ) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
      currentTokens = 0;
    }
    current.push(item);
    currentBytes += item.bytes;
    currentTokens += tokens;
  }
  if (current.length > 0) chunks.push(current);
  if (limits.minRequests === undefined) return { chunks, oversized, tooFew: [] };
  // The provider's minimum wins over the operator's caps: a short chunk may grow up to the provider's own limits to
  // reach it (a batch under the minimum would be refused whole).
  const repairLimits = {
    ...limits,
    maxBytes: Math.max(limits.maxBytes, hardMaxBytes),
    maxRequests: Math.max(limits.maxRequests, hardMaxRequests),
  };
  const fits = fitsIn(repairLimits);
  spreadTail(chunks, limits.minRequests, fits);
  return { ...meetMinimum(chunks, limits.minRequests, fits), oversized };
}

function fitsIn(limits: ChunkLimits): (chunk: readonly PlannableInput[]) => boolean {
  const maxTokens = limits.maxTokens ?? Number.POSITIVE_INFINITY;
  return (chunk) => {
    let bytes = 0;
    let tokens = 0;
    for (const item of chunk) {
      bytes += item.bytes;
      tokens += item.tokens ?? 0;
    }
    return chunk.length <= limits.maxRequests && bytes <= limits.maxBytes && tokens <= maxTokens;
  };
}

/**
 * Brings every chunk up to `min` requests, from the last one back (greedy packing leaves the short one at the end):
 * a short chunk joins a neighbour when the two fit in one, or else takes the neighbour's inputs nearest to it while
 * the neighbour keeps `min` itself. A chunk that can do neither (no neighbour, or neighbours too full to share) is
 * not sent.
 */
/**
 * Greedy packing leaves its short chunk last (`[150, 150, 4]` under a cap of 150): the fewest last chunks that hold
 * `min` each between them share their inputs evenly, in order (`[102, 101, 101]`), each no larger than before.
 */
function spreadTail<T extends PlannableInput>(
  chunks: T[][],
  min: number,
  fits: (chunk: readonly PlannableInput[]) => boolean,
): void {
  if ((chunks.at(-1)?.length ?? min) >= min) return;
  for (let count = 2; count <= chunks.length; count++) {
    const tail = chunks.slice(-count).flat();
    if (tail.length < count * min) continue;
    const spread = Array.from({ length: count }, (_, k) =>
      tail.slice(Math.floor((k * tail.length) / count), Math.floor(((k + 1) * tail.length) / count)),
    );
    if (!spread.every(fits)) continue;
    chunks.splice(-count, count, ...spread);
    return;
  }
}

/**
 * Moves inputs from `donor`'s side nearest `short` into it while `short` is under `min`, the donor keeps `min` and
 * `short` stays within the limits; says how many moved.
 */
function borrow<T extends PlannableInput>(
  short: T[],
  donor: T[] | undefined,
  min: number,
  fits: (chunk: readonly PlannableInput[]) => boolean,
  side: 'start' | 'end',
): number {
  let moved = 0;
  while (donor && short.length < min && donor.length > min) {
    const next = side === 'end' ? donor.at(-1)! : donor[0]!;
    if (!fits(side === 'end' ? [next, ...short] : [...short, next])) break;
    if (side === 'end') short.unshift(donor.pop()!);
    else short.push(donor.shift()!);
    moved++;
  }
  return moved;
}

function meetMinimum<T extends PlannableInput>(
  packed: readonly T[][],
  min: number,
  fits: (chunk: readonly PlannableInput[]) => boolean,
): { chunks: T[][]; tooFew: T[] } {
  const chunks = packed.map((chunk) => [...chunk]);
  const tooFew: T[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) {
    const short = chunks[i]!;
    if (short.length >= min) continue;
    const before = chunks[i - 1];
    if (before && fits([...before, ...short])) {
      before.push(...short);
      chunks.splice(i, 1);
      continue;
    }
    const fromBefore = borrow(short, before, min, fits, 'end');
    // The first chunk has no chunk before it: the one after it (already at `min`) is its neighbour then.
    const after = chunks[i + 1];
    if (short.length < min && after && fits([...short, ...after])) {
      after.unshift(...short);
      chunks.splice(i, 1);
      continue;
    }
    const fromAfter = borrow(short, after, min, fits, 'start');
    if (short.length < min) {
      // Borrowing did not make a batch: what was taken goes back where it came from.
      before?.push(...short.splice(0, fromBefore));
      after?.unshift(...short.splice(short.length - fromAfter, fromAfter));
    }
    if (short.length < min) {
      tooFew.push(...short);
      chunks.splice(i, 1);
    }
  }
  return { chunks, tooFew };
}

/**
 * Bytes a request's line adds beyond the request itself (ids, method, url, model, output schema), with room for a
 * custom id of 64 bytes: the submit worker plans with it, and a dry run must plan the same chunks.
 */
export function requestLineOverhead(encoder: RequestEncoder, context: BatchContext): number {
  return encoder.encodeLine('x'.repeat(64), {}, context).length + 64;
}
