import { once } from 'node:events';
import type { Response } from 'express';

/** How long a results download may take no bytes before it is cut (`RESULTS_STREAM_IDLE_TIMEOUT_MS`). */
export const DEFAULT_RESULTS_STREAM_IDLE_TIMEOUT_MS = 60_000;

/** Resolves true once the response drains, false when it closes first or `ms` pass without it draining. */
async function drained(res: Response, ms: number): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    const [event] = await Promise.race([
      once(res, 'drain', { signal: abort.signal }).then(() => ['drain']),
      once(res, 'close', { signal: abort.signal }).then(() => ['close']),
    ]);
    return event === 'drain';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** Lines already written as NDJSON text (each ending in a newline): sent as they are. */
export class NdjsonText {
  constructor(readonly text: string) {}
}

/**
 * Writes `lines` as NDJSON (a value, or NdjsonText as it is), pulling the next only once the client took the last
 * (backpressure). A client that
 * stops reading for `idleMs` (its socket stays full) is cut off: the response is destroyed and the loop left, which
 * closes `lines` and so lets go of what feeds it (a Postgres cursor holds a pooled connection while it is open).
 * Returns whether every line went out.
 */
export async function writeNdjson(
  res: Response,
  lines: AsyncIterable<unknown>,
  idleMs: number,
): Promise<boolean> {
  for await (const line of lines) {
    if (res.destroyed) return false;
    const text = line instanceof NdjsonText ? line.text : `${JSON.stringify(line)}\n`;
    if (!res.write(text) && !(await drained(res, idleMs))) {
      res.destroy();
      return false;
    }
  }
  res.end();
  return true;
}
