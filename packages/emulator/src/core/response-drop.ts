import type { ServerResponse } from 'node:http';

/**
 * Lets the handler run to the end (so the call takes effect: a batch is created, a file stored) but destroys the
 * connection where the answer would go out. The client sees a connection error, as when a network drops between
 * "provider accepted" and "client heard back", and cannot tell whether the call did anything.
 */
export function dropResponse(res: ServerResponse): void {
  const drop = (() => {
    res.destroy();
    return res;
  }) as unknown as ServerResponse['end'] & ServerResponse['write'];
  // The first byte of an answer, whether written whole (`end`) or streamed (`write`), is where it is cut.
  res.write = drop;
  res.end = drop;
}
