import type { CompletionPlan, PlanOutcome } from '../core/batch-engine/batch';
import { batchRng, type RequestErrorDraw } from '../core/batch-engine/plan';
import type { BatchFaults } from '../core/faults';
import { type Rng, shuffledIndices } from '../core/prng';
import type { JobParams } from './job-params';
import { type LocatedLine, linesWithOffsets } from './line-offsets';
import { isRecord } from './proto-json';
import { checkRow } from './request-row';

/** Per job, as third parties quote Google: 200,000 requests, 1 GB of input (docs/providers/vertex.md#limits). */
export const MAX_REQUESTS = 200_000;
export const MAX_INPUT_BYTES = 1_000_000_000;
const WINDOW_BYTES = 8 * 1024 * 1024;

export interface InputFile {
  uri: string;
  /** A hard link to the object's bytes, so deleting the object does not pull the input from under the job. */
  path: string;
  size: number;
}

/** Where each request sits in the input and how it will end; the rows themselves are re-read when written. */
export interface JobPlan extends CompletionPlan {
  files: InputFile[];
  fileIndex: Uint16Array;
  offset: Float64Array;
  length: Uint32Array;
  /** HTTP status of a failed row, 0 for a row that succeeds. */
  failStatus: Uint16Array;
  failMessage: Map<number, string>;
  /** `invalid_json_rate` picked this row: its JSON answer is broken. */
  corrupt: Uint8Array;
  // `order`: rows are shuffled within windows of neighbouring rows (a few MB of input), and the windows among
  // themselves, so the writer reads the input a window at a time instead of one row at a time.
  /** Rows `windowStart[w]` to `windowEnd[w] - 1` (input order) form window `w`; `windowOf[row]` is its window. */
  windowStart: Uint32Array;
  windowEnd: Uint32Array;
  windowOf: Uint32Array;
}

export type PlanResult = PlanOutcome<JobPlan, string>;

export interface PlanInput {
  seq: number;
  params: JobParams;
  files: InputFile[];
  faults: BatchFaults;
  requestErrors: RequestErrorDraw;
}

const fail = (message: string): PlanResult => ({ ok: false, failure: message });

/**
 * Reads the input once, line by line. A line that is not a JSON object fails the whole job (our choice: the real
 * behaviour is undocumented); a row the model would refuse fails alone, with status 400.
 */
export async function planJob(input: PlanInput): Promise<PlanResult> {
  const { faults, params, seq } = input;
  if (faults.failValidation) return fail('Failed to validate the batch input (injected fault).');
  if (input.files.length === 0) return fail(`No input files found at ${params.inputUris.join(', ')}.`);
  const bytes = input.files.reduce((sum, file) => sum + file.size, 0);
  if (bytes > MAX_INPUT_BYTES) {
    return fail(`The input is ${bytes} bytes; a batch job accepts at most ${MAX_INPUT_BYTES}.`);
  }

  const fileIndex: number[] = [];
  const offset: number[] = [];
  const length: number[] = [];
  const failStatus: number[] = [];
  const corrupt: number[] = [];
  const failMessage = new Map<number, string>();
  const jsonRng = batchRng(faults.seed, 'vertex', seq, 'invalid-json');

  /** Records one line; returns why the whole job fails, if it does. */
  const addLine = (index: number, file: InputFile, line: LocatedLine): string | null => {
    const row = fileIndex.length;
    if (row >= MAX_REQUESTS) return `The batch has more than ${MAX_REQUESTS} requests.`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch {
      parsed = undefined;
    }
    if (!isRecord(parsed)) return `Line ${line.number} of ${file.uri} is not a JSON object.`;
    fileIndex.push(index);
    offset.push(line.offset);
    length.push(line.length);
    const checked = checkRow(parsed, params);
    let status = 0;
    let broken = 0;
    if (checked.kind === 'invalid') {
      status = 400;
      failMessage.set(row, checked.message);
    } else {
      if (checked.kind === 'chat' && checked.format.type !== 'text' && faults.invalidJsonRate > 0) {
        broken = jsonRng.next() < faults.invalidJsonRate ? 1 : 0;
      }
      status = input.requestErrors(checked.identity) ?? 0;
    }
    failStatus.push(status);
    corrupt.push(broken);
    return null;
  };

  for (const [index, file] of input.files.entries()) {
    try {
      for await (const batch of linesWithOffsets(file.path)) {
        for (const line of batch) {
          const problem = addLine(index, file, line);
          if (problem) return fail(problem);
        }
      }
    } catch (error) {
      return fail(`The input file ${file.uri} could not be read: ${(error as Error).message}`);
    }
  }
  const total = fileIndex.length;
  if (total === 0) return fail('The batch input has no requests.');

  const files = Uint16Array.from(fileIndex);
  const offsets = Float64Array.from(offset);
  const lengths = Uint32Array.from(length);
  const windows = splitWindows(files, offsets, lengths);
  const order = windowedOrder(windows, batchRng(faults.seed, 'vertex', seq, 'order'));
  const failed = Uint16Array.from(failStatus);
  const failedBefore = new Uint32Array(total + 1);
  for (let k = 0; k < total; k++) failedBefore[k + 1] = failedBefore[k]! + (failed[order[k]!]! === 0 ? 0 : 1);
  return {
    ok: true,
    plan: {
      total,
      files: input.files,
      fileIndex: files,
      offset: offsets,
      length: lengths,
      failStatus: failed,
      failMessage,
      corrupt: Uint8Array.from(corrupt),
      order,
      ...windows,
      failedBefore,
    },
  };
}

interface Windows {
  windowStart: Uint32Array;
  windowEnd: Uint32Array;
  windowOf: Uint32Array;
}

/** Runs of neighbouring rows of one file, each spanning at most WINDOW_BYTES (or one longer row). */
function splitWindows(files: Uint16Array, offsets: Float64Array, lengths: Uint32Array): Windows {
  const total = files.length;
  const starts: number[] = [];
  const ends: number[] = [];
  const windowOf = new Uint32Array(total);
  let start = 0;
  for (let row = 0; row < total; row++) {
    const span = offsets[row]! + lengths[row]! - offsets[start]!;
    if (row > start && (files[row] !== files[start] || span > WINDOW_BYTES)) {
      starts.push(start);
      ends.push(row);
      start = row;
    }
    windowOf[row] = starts.length;
  }
  starts.push(start);
  ends.push(total);
  return { windowStart: Uint32Array.from(starts), windowEnd: Uint32Array.from(ends), windowOf };
}

function windowedOrder(windows: Windows, rng: Rng): Uint32Array {
  const order = new Uint32Array(windows.windowOf.length);
  let k = 0;
  for (const w of shuffledIndices(windows.windowStart.length, rng)) {
    const start = windows.windowStart[w]!;
    for (const i of shuffledIndices(windows.windowEnd[w]! - start, rng)) order[k++] = start + i;
  }
  return order;
}
