import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ProviderCallError } from './errors';

/** How long a result download may send nothing before it is abandoned (`RESULT_DOWNLOAD_IDLE_TIMEOUT_MS`). */
export const DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS = 120_000;

/**
 * The items of `source`, in order. When `ms` pass while the next one is awaited (not while the consumer works on
 * the last: a reader that stops pulling applies backpressure, not idleness), `abort` is called with the error, which
 * must make the source let go of what it holds (abort the request, destroy the stream), and the error is thrown.
 */
export async function* withIdleTimeout<T>(
  source: AsyncIterable<T>,
  ms: number,
  idleError: () => Error,
  abort: (error: Error) => void,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  let idled: Error | null = null;
  try {
    for (;;) {
      const next = iterator.next();
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          idled = idleError();
          reject(idled);
          abort(idled);
        }, ms);
      });
      let result: IteratorResult<T>;
      try {
        result = await Promise.race([next, idle]);
      } catch (error) {
        // The pending read settles (or not) after the abort: nothing is waiting for it any more. When it fails
        // first, from the abort, the idleness is still what is reported.
        next.catch(() => undefined);
        throw idled ?? error;
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // Left early (an error, or the consumer stopped): let the source close. Not awaited: after an idle abort its
    // `return` may wait on the read that never came.
    if (!done) iterator.return?.()?.catch(() => undefined);
  }
}

/** The retryable error of a result download that stalled. */
export function stalledDownloadError(what: string, ms: number): ProviderCallError {
  return new ProviderCallError(
    `${what}: no data for ${ms} ms, download abandoned`,
    null,
    true,
    'stream_idle',
  );
}

/**
 * A byte stream that fails with a retryable `ProviderCallError` when the bytes stop coming for `ms`, and aborts the
 * download (`abort`: the request's AbortController, the stream's destroy) so that its connection is released.
 */
export function idleGuardedBytes(
  body: Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array>,
  options: { ms: number; what: string; abort: (error: Error) => void },
): Readable {
  const chunks = body as AsyncIterable<Uint8Array>;
  return Readable.from(
    withIdleTimeout(chunks, options.ms, () => stalledDownloadError(options.what, options.ms), options.abort),
    { objectMode: false },
  );
}
