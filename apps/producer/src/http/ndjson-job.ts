import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { UnreadableInput } from '../intake/normalize';
import { JobValidationError } from '../intake/validation-error';

/**
 * An NDJSON job body: the first line is the job without `inputs`, every further line one input. Read a line at a
 * time, so a job of hundreds of megabytes never sits in the API's memory.
 */
export async function readNdjsonJob(
  body: Readable,
): Promise<{ header: unknown; inputs: AsyncGenerator<unknown> }> {
  const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  let first = await lines.next();
  while (!first.done && first.value.trim() === '') first = await lines.next();
  if (first.done)
    throw new JobValidationError([
      { field: '(job)', message: 'the body is empty: the first line must be the job' },
    ]);
  let header: unknown;
  try {
    header = JSON.parse(first.value);
  } catch {
    throw new JobValidationError([{ field: '(job)', message: 'the first line is not valid JSON' }]);
  }
  async function* inputs(): AsyncGenerator<unknown> {
    for (;;) {
      const next = await lines.next();
      if (next.done) return;
      if (next.value.trim() === '') continue;
      try {
        yield JSON.parse(next.value);
      } catch {
        yield new UnreadableInput('this line is not valid JSON');
      }
    }
  }
  return { header, inputs: inputs() };
}
