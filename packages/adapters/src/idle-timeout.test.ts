import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ProviderCallError } from './errors';
import { stalledDownloadError, withIdleTimeout } from './idle-timeout';

const IDLE_MS = 30;

/** Yields `items`, then waits for the abort: a source whose data stopped coming. */
async function* stopsAfter(items: string[], aborted: Promise<Error>): AsyncGenerator<string> {
  yield* items;
  throw await aborted;
}

describe('withIdleTimeout', () => {
  it('gives what came, then fails with the idle error once nothing comes, after aborting the source', async () => {
    let abort!: (error: Error) => void;
    const aborted = new Promise<Error>((resolve) => {
      abort = resolve;
    });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const item of withIdleTimeout(
        stopsAfter(['a', 'b'], aborted),
        IDLE_MS,
        () => stalledDownloadError('test file', IDLE_MS),
        abort,
      )) {
        seen.push(item);
      }
    })();
    await expect(reading).rejects.toMatchObject({
      name: 'ProviderCallError',
      retryable: true,
      code: 'stream_idle',
      message: `test file: no data for ${IDLE_MS} ms, download abandoned`,
    });
    await expect(reading).rejects.toBeInstanceOf(ProviderCallError);
    expect(seen).toEqual(['a', 'b']);
    // The source was told, with the same error.
    expect((await aborted).message).toContain('download abandoned');
  });

  it('does not count the time the consumer spends on an item: that is backpressure, not idleness', async () => {
    const seen: number[] = [];
    for await (const item of withIdleTimeout(
      (async function* () {
        yield* [1, 2, 3];
      })(),
      IDLE_MS,
      () => new Error('idle'),
      () => undefined,
    )) {
      await sleep(IDLE_MS * 3);
      seen.push(item);
    }
    expect(seen).toEqual([1, 2, 3]);
  });
});
