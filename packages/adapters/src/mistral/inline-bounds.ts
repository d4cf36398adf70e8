export interface InlineBounds {
  maxRequests: number;
  /** Bytes of the request file, whose lines are the inline requests. */
  maxBytes: number;
}

/**
 * Mistral publishes no bound on inline requests (its 2026-01-19 release note announces them without one); a
 * third-party SDK's docs give 10,000 requests. These defaults stay well under that, and keep the create call and
 * the `inline=true` answer (every result in one JSON body) small for the worker to hold.
 */
export const DEFAULT_INLINE: InlineBounds = { maxRequests: 1_000, maxBytes: 10_000_000 };
