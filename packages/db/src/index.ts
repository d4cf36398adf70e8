export { connect, type Database, type Sql } from './client';
export { copyRows } from './copy';
export { runMigrations } from './migrate';
export {
  batchCustomIdsInFileOrder,
  batchesToClean,
  batchRequestsCursor,
  countSubmitAttempt,
  getBatch,
  getBatchWithJob,
  insertPlannedBatch,
  knownProviderBatchIds,
  lockJob,
  markBatchCleaned,
  markCancelSent,
  nextRound,
  type PlannedBatch,
  type PollRecord,
  pendingInputsForPlanning,
  plannedBatches,
  recordPoll,
  recordSubmitted,
  withBatchLock,
} from './queries/batches';
export {
  type IntakeOutcome,
  type IntakeTotals,
  insertJob,
  type NewInput,
  type NewJob,
} from './queries/intake';
export {
  finishJobIfDone,
  getJob,
  getJobBatches,
  isTerminal,
  type Reconciliation,
  reconcile,
  type SweepTargets,
  setJobStatus,
  sweepTargets,
} from './queries/jobs';
export { type CancelOutcome, type CancelReason, failUnrunnableJob, requestCancel } from './queries/lifecycle';
export {
  type ApplyOutcome,
  applyResults,
  applyResultsIn,
  countPendingInputs,
  failUnsent,
  type IncomingResult,
  jobResultsCursor,
  markBatchFetched,
  type ResultLine,
  unansweredInputs,
} from './queries/results';
export {
  type BatchRow,
  type BatchState,
  type InputState,
  type JobRow,
  type JobStatus,
  type StoredError,
  TERMINAL_JOB_STATUSES,
} from './queries/types';
export * as schema from './schema';
