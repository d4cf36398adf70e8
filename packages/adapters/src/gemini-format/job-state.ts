import type { BatchOutcome, BatchPhase } from '../types';

/**
 * Batch job states as `@google/genai` names them: Vertex's own `JOB_STATE_*`, and the Developer API's wire states
 * (`BATCH_STATE_*`), which the SDK renames to `JOB_STATE_*` and which `jobState` renames the same way.
 */
const PHASES: Record<string, BatchPhase> = {
  JOB_STATE_QUEUED: 'validating',
  JOB_STATE_PENDING: 'validating',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_UPDATING: 'running',
  JOB_STATE_PAUSED: 'running',
  JOB_STATE_CANCELLING: 'cancelling',
  JOB_STATE_SUCCEEDED: 'ended',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'ended',
  JOB_STATE_FAILED: 'ended',
  JOB_STATE_CANCELLED: 'ended',
  JOB_STATE_EXPIRED: 'ended',
};

// Whether a job with failed rows ends SUCCEEDED (with failed counts) or PARTIALLY_SUCCEEDED is UNCONFIRMED: both
// are a completed batch whose failed rows sit in the output.
const OUTCOMES: Record<string, BatchOutcome> = {
  JOB_STATE_SUCCEEDED: 'completed',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'completed',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_CANCELLED: 'cancelled',
  JOB_STATE_EXPIRED: 'expired',
};

/** google.rpc.Code numbers, as a job's or a row's `error.code` carries them. */
const RPC_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

/** `BATCH_STATE_X` as `JOB_STATE_X` (what the SDK's `tJobState` does); any other state as it is. */
export function jobState(state: string): string {
  return state.startsWith('BATCH_STATE_') ? `JOB_STATE_${state.slice('BATCH_STATE_'.length)}` : state;
}

/** A state nobody knows yet is taken as still running: the batch is asked about again. */
export function phaseOfState(state: string): BatchPhase {
  return PHASES[jobState(state)] ?? 'running';
}

export function outcomeOfState(state: string): BatchOutcome | undefined {
  return OUTCOMES[jobState(state)];
}

/** A google.rpc.Code number by its name (`RESOURCE_EXHAUSTED`), or the number itself when it has none here. */
export function rpcCodeName(code: number): string {
  return RPC_NAMES[code] ?? String(code);
}
