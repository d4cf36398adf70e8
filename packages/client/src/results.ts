import { IncompleteResultsError, UnexpectedResponseError } from './errors.js';
import { ndjsonLines } from './ndjson-lines.js';
import type { JobResult } from './types.js';

/** Header of the results stream: how many lines it holds, so that a cut one is told apart from a short one. */
export const RESULT_COUNT_HEADER = 'x-result-count';

function announcedCount(response: Response): number {
  const header = response.headers.get(RESULT_COUNT_HEADER);
  const count = header === null ? Number.NaN : Number(header);
  if (!Number.isInteger(count) || count < 0)
    throw new UnexpectedResponseError(
      response.status,
      'invalid_response',
      `the results answer has no ${RESULT_COUNT_HEADER} header (got ${header})`,
    );
  return count;
}

function parse(line: string, index: number): JobResult {
  try {
    return JSON.parse(line) as JobResult;
  } catch (error) {
    throw new UnexpectedResponseError(
      200,
      'invalid_response',
      `results line ${index + 1} is not JSON`,
      line,
      {
        cause: error,
      },
    );
  }
}

/**
 * The result lines of a results answer, parsed one at a time as they arrive. Throws IncompleteResultsError once
 * the stream ends (or breaks) with fewer lines than announced; `keep` filters what is yielded, not what is counted.
 */
export async function* resultLines(
  response: Response,
  keep: (result: JobResult) => boolean = () => true,
  signal?: AbortSignal,
): AsyncGenerator<JobResult> {
  const expected = announcedCount(response);
  if (!response.body) throw new IncompleteResultsError(expected, 0);
  let received = 0;
  try {
    for await (const line of ndjsonLines(response.body)) {
      const result = parse(line, received);
      received++;
      if (keep(result)) yield result;
    }
  } catch (error) {
    if (signal?.aborted || error instanceof UnexpectedResponseError) throw error;
    // The connection broke mid-stream (`terminated`): what came is all there is.
    throw new IncompleteResultsError(expected, received, error);
  }
  if (received < expected) throw new IncompleteResultsError(expected, received);
  if (received > expected)
    throw new UnexpectedResponseError(
      200,
      'invalid_response',
      `the results stream held ${received} lines where ${RESULT_COUNT_HEADER} announced ${expected}`,
    );
}
