import { outcomeOfState, phaseOfState, rpcCodeName } from '../gemini-format/job-state';
import { asObject, asString, type Json } from '../json-fields';
import type { PollResult } from '../types';

/**
 * A batch as the REST API answers it: an `Operation` whose `metadata` is the `GenerateContentBatch` (or
 * `EmbedContentBatch`). `done`, `error` and `response` appear only at the end. The SDK drops `batchStats` and
 * `error`, so batches are read over plain REST.
 */
export interface BatchOperation {
  name?: string;
  metadata?: Json;
  done?: boolean;
  error?: { code?: number; message?: string };
  response?: Json;
}

export function batchState(op: BatchOperation): string {
  return asString(op.metadata?.state) ?? 'BATCH_STATE_UNSPECIFIED';
}

export function isEnded(op: BatchOperation): boolean {
  return phaseOfState(batchState(op)) === 'ended';
}

/** The batch's output (`response`, or the copy in `metadata.output`): a responses file or inline responses. */
export function batchOutput(op: BatchOperation): Json | null {
  return asObject(op.response) ?? asObject(op.metadata?.output);
}

export function responsesFile(op: BatchOperation): string | null {
  return asString(batchOutput(op)?.responsesFile);
}

/** The input file of a file batch (`metadata.inputConfig.fileName`), or null for an inline one. */
export function inputFileName(op: BatchOperation): string | null {
  const input = asObject(op.metadata?.inputConfig);
  return asString(input?.fileName) ?? asString(input?.file_name);
}

/** batchStats counters are int64 strings, and a zero one is left out. */
function counts(op: BatchOperation): PollResult['counts'] {
  const stats = asObject(op.metadata?.batchStats) ?? {};
  const number = (value: unknown) => {
    const parsed = Number(value ?? 0);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
  };
  const completed = number(stats.successfulRequestCount);
  const failed = number(stats.failedRequestCount);
  const total = Math.max(number(stats.requestCount), completed + failed + number(stats.pendingRequestCount));
  return { total, completed, failed };
}

export function pollResult(op: BatchOperation): PollResult {
  const state = batchState(op);
  const result: PollResult = {
    phase: phaseOfState(state),
    outcome: outcomeOfState(state),
    providerStatus: state,
    counts: counts(op),
    outputFileId: responsesFile(op),
    errorFileId: null,
  };
  if (state === 'BATCH_STATE_FAILED') {
    const code = op.error?.code;
    result.failures = [
      {
        code: typeof code === 'number' ? rpcCodeName(code) : 'failed',
        message: op.error?.message ?? 'the batch failed',
        line: lineOf(op.error?.message),
      },
    ];
  }
  return result;
}

/** "Error on line 3: invalid JSON, …" (as reported for a bad input file: inspect_ai#3257). */
function lineOf(message: string | undefined): number | null {
  const match = message ? /\bline (\d+)\b/i.exec(message) : null;
  return match ? Number(match[1]) : null;
}
