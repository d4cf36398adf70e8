import { withIdleTimeout } from '@tranche/adapters';

/** How long a streamed job body may send nothing before it is refused (`REQUEST_BODY_IDLE_TIMEOUT_MS`). */
export const DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS = 60_000;

/** A job body stopped coming: a 408, nothing of the job kept, the connection closed after the answer. */
export class BodyIdleError extends Error {
  readonly status = 408;
  constructor(readonly idleMs: number) {
    super(`the request body sent nothing for ${idleMs} ms (REQUEST_BODY_IDLE_TIMEOUT_MS): nothing was kept`);
    this.name = 'BodyIdleError';
  }
}

/**
 * The body's chunks, failing with `BodyIdleError` when none comes for `idleMs` while one is awaited (not while the
 * intake works on the last: a slow COPY is backpressure). The failure rolls the intake's transaction back, which
 * releases its connection; the read left pending on the request settles when the connection closes.
 */
export function idleGuardedBody(chunks: AsyncIterable<Buffer>, idleMs: number): AsyncGenerator<Buffer> {
  return withIdleTimeout(
    chunks,
    idleMs,
    () => new BodyIdleError(idleMs),
    () => undefined,
  );
}
