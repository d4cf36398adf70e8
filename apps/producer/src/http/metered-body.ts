import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS, idleGuardedBody } from './body-idle';

/** A streamed body went over MAX_BODY_BYTES: a 413, and reading stopped there. */
export class BodyTooLargeError extends Error {
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`the request body is over MAX_BODY_BYTES (${limit} bytes)`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * A request body read as it streams in: counted against MAX_BODY_BYTES chunk by chunk (a 413 the moment it is over,
 * not after it was all read), and hashed as received (for `Idempotency-Key`). Reading stops without destroying the
 * request, so the route can still answer on the same connection.
 */
export class MeteredBody {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private digest: string | null = null;

  constructor(
    private readonly request: IncomingMessage,
    private readonly maxBytes: number,
    /** A body that sends nothing for this long fails with `BodyIdleError` (REQUEST_BODY_IDLE_TIMEOUT_MS). */
    private readonly idleMs = DEFAULT_REQUEST_BODY_IDLE_TIMEOUT_MS,
  ) {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  }

  async *chunks(): AsyncGenerator<Buffer> {
    const received = this.request.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
    for await (const chunk of idleGuardedBody(received, this.idleMs)) {
      this.bytes += chunk.length;
      if (this.bytes > this.maxBytes) throw new BodyTooLargeError(this.maxBytes);
      this.hash.update(chunk);
      yield chunk;
    }
    this.digest = this.hash.digest('hex');
  }

  /** Reads the rest of the body without keeping it (it still counts and is hashed). */
  async drain(): Promise<void> {
    if (this.digest !== null) return;
    for await (const _ of this.chunks());
  }

  /** SHA-256 (hex) of the whole body; only once it was read to its end. */
  sha256(): string {
    if (this.digest === null) throw new Error('the body was not read to its end');
    return this.digest;
  }
}

/**
 * Whatever the route did not read of the body is discarded as it arrives, so the answer (a 413, a 400 about the first
 * line) reaches a client that is still sending, and the connection stays usable.
 */
export function discardRest(request: IncomingMessage): void {
  if (!request.readableEnded) request.resume();
}
