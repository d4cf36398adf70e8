import { UnreadableInput } from '../intake/normalize';
import { JobValidationError } from '../intake/validation-error';
import { ndjsonLines, OversizedLine } from './ndjson-lines';

const isBlank = (line: string | OversizedLine) => typeof line === 'string' && line.trim() === '';

function readHeader(first: IteratorResult<string | OversizedLine>, maxInputBytes: number): unknown {
  if (first.done)
    throw new JobValidationError([
      { field: '(job)', message: 'the body is empty: the first line must be the job' },
    ]);
  if (first.value instanceof OversizedLine)
    throw new JobValidationError([
      {
        field: '(job)',
        message: `the first line is ${first.value.bytes} bytes, over MAX_INPUT_BYTES (${maxInputBytes})`,
      },
    ]);
  try {
    return JSON.parse(first.value);
  } catch {
    throw new JobValidationError([{ field: '(job)', message: 'the first line is not valid JSON' }]);
  }
}

/**
 * An NDJSON job body: the first line is the job without `inputs`, every further line one input. Read a line at a
 * time, so a job of hundreds of megabytes never sits in the API's memory, and no line, the first included, is held
 * beyond MAX_INPUT_BYTES. `close` lets go of the body, unharmed, wherever the reading stopped (a refusal).
 */
export async function readNdjsonJob(
  body: AsyncIterable<Buffer>,
  maxInputBytes: number,
): Promise<{ header: unknown; inputs: AsyncGenerator<unknown>; close(): Promise<void> }> {
  const lines = ndjsonLines(body, maxInputBytes)[Symbol.asyncIterator]();
  let header: unknown;
  try {
    let first = await lines.next();
    while (!first.done && isBlank(first.value)) first = await lines.next();
    header = readHeader(first, maxInputBytes);
  } catch (error) {
    await lines.return(undefined);
    throw error;
  }
  async function* inputs(): AsyncGenerator<unknown> {
    try {
      for (;;) {
        const next = await lines.next();
        if (next.done) return;
        const line = next.value;
        if (line instanceof OversizedLine) {
          yield new UnreadableInput(
            `this line is ${line.bytes} bytes, over MAX_INPUT_BYTES (${maxInputBytes})`,
          );
        } else if (line.trim() !== '') {
          let input: unknown;
          try {
            input = JSON.parse(line);
          } catch {
            input = new UnreadableInput('this line is not valid JSON');
          }
          yield input;
        }
      }
    } finally {
      await lines.return(undefined);
    }
  }
  return {
    header,
    inputs: inputs(),
    close: async () => {
      await lines.return(undefined);
    },
  };
}
