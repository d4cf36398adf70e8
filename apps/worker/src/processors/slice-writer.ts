import type { Logger } from '@tranche/config';
import {
  type ApplyOutcome,
  applyResults,
  dataExceptionCode,
  type IncomingResult,
  type JobRow,
  type PriceResult,
  type Sql,
} from '@tranche/db';

export interface SliceTarget {
  sql: Sql;
  job: Pick<JobRow, 'id' | 'max_attempts' | 'cancel_reason'>;
  batchId: string;
  price: PriceResult;
  log: Logger;
}

export interface SliceOutcome extends ApplyOutcome {
  /** Results Postgres refused, stored as failures instead (or, when even that was refused, left unanswered). */
  refused: number;
}

const none = (): SliceOutcome => ({ succeeded: 0, failed: 0, retrying: 0, ignored: 0, refused: 0 });

function add(a: SliceOutcome, b: SliceOutcome): SliceOutcome {
  return {
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    retrying: a.retrying + b.retrying,
    ignored: a.ignored + b.ignored,
    refused: a.refused + b.refused,
  };
}

/**
 * Stores a slice of results in one transaction (`applyResults`). Defence in depth behind `storableResult`: when
 * Postgres refuses the slice's data (a data exception, SQLSTATE class 22), the transaction rolled back, so the
 * slice is halved and each half written on its own, until the result Postgres refuses is alone; that one is stored
 * as a failure and the rest lands. A slice of n results with k such results costs about k·log2(n) more writes.
 * Anything else (a lost connection) is thrown as is, for the queue to try the whole fetch again.
 */
export async function writeSlice(target: SliceTarget, slice: IncomingResult[]): Promise<SliceOutcome> {
  if (slice.length === 0) return none();
  try {
    return {
      ...(await applyResults(target.sql, target.job, target.batchId, slice, target.price)),
      refused: 0,
    };
  } catch (error) {
    const code = dataExceptionCode(error);
    if (code === null) throw error;
    if (slice.length === 1) return writeRefused(target, slice[0]!, code);
    const half = Math.ceil(slice.length / 2);
    const first = await writeSlice(target, slice.slice(0, half));
    return add(first, await writeSlice(target, slice.slice(half)));
  }
}

/** A string's bucket among `parts`: every line of one custom id lands in the same part. */
function partOf(customId: string, parts: number): number {
  let hash = 0;
  for (let i = 0; i < customId.length; i++) hash = (hash * 31 + customId.charCodeAt(i)) | 0;
  return Math.abs(hash) % parts;
}

/**
 * Stores a slice as `parts` transactions running at once, on as many connections: Postgres does most of the work of
 * storing a result (40 µs of its CPU against about 12 µs in the worker), and one transaction uses one of its cores,
 * so a batch read by one fetch would otherwise store on one core whatever the machine has. The parts split by
 * custom id, so that when the provider sent a line twice both copies are in one part, where the first one wins as
 * before. The parts' transactions touch disjoint inputs and results; they only queue, never deadlock, on the
 * rollup rows the results' triggers update (always taken in the same order).
 */
export async function writeSliceInParts(
  target: SliceTarget,
  slice: IncomingResult[],
  parts: number,
): Promise<SliceOutcome> {
  if (parts <= 1 || slice.length < parts * MIN_PART) return writeSlice(target, slice);
  const split: IncomingResult[][] = Array.from({ length: parts }, () => []);
  for (const result of slice) split[partOf(result.customId, parts)]!.push(result);
  const outcomes = await Promise.all(split.map((part) => writeSlice(target, part)));
  return outcomes.reduce(add, none());
}

/** Below this many results a part is not worth its own transaction. */
const MIN_PART = 100;

/**
 * The failure stored in place of a result Postgres refused: `invalid_output`, code `unstorable_result`, retryable.
 * Its token counts are kept, so what it cost is still counted, unless they are what Postgres refused (a count out
 * of range); the provider's raw usage and the answer are dropped. The message names the SQLSTATE only: Postgres's
 * own message and detail may quote the data.
 */
function refusedVersions(result: IncomingResult, code: string): IncomingResult[] {
  const error = {
    type: 'invalid_output',
    code: 'unstorable_result',
    message: `Postgres could not store this result (SQLSTATE ${code}, a data exception)`,
    retryable: true,
  };
  const failed: IncomingResult = { customId: result.customId, status: 'failed', error };
  const counts = result.usage ? { ...result.usage, raw: null } : null;
  return counts ? [{ ...failed, usage: counts }, failed] : [failed];
}

async function writeRefused(
  target: SliceTarget,
  result: IncomingResult,
  code: string,
): Promise<SliceOutcome> {
  const where = { jobId: target.job.id, batchId: target.batchId, customId: result.customId, sqlstate: code };
  for (const version of refusedVersions(result, code)) {
    try {
      const outcome = await applyResults(target.sql, target.job, target.batchId, [version], target.price);
      target.log.warn(where, 'Postgres refused a result: stored as an unstorable_result failure');
      return { ...outcome, refused: 1 };
    } catch (error) {
      if (dataExceptionCode(error) === null) throw error;
    }
  }
  // Even the failure was refused: its custom id is what Postgres cannot take, and no input of ours has such an id.
  // Left out; the input it might have answered is settled as unanswered with the rest of the batch.
  target.log.error(where, 'Postgres refused a result and its failure: left unanswered');
  return { ...none(), ignored: 1, refused: 1 };
}
