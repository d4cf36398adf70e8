export { type ConnectOptions, connect, type Database, type PoolMode, type Sql } from './client';
export { copyRows } from './copy';
export { dataExceptionCode } from './data-exception';
export {
  float32Array,
  float32Bytes,
  float32Values,
  joinEmbedding,
  splitEmbedding,
} from './embedding-bytes';
export { runMigrations } from './migrate';
export {
  ALERT_KINDS,
  type AlertKind,
  type AlertRow,
  getAlert,
  insertAlert,
  type NewAlert,
  recentAlertIds,
} from './queries/alerts';
export {
  type ApiKeyRow,
  findLiveApiKey,
  insertApiKey,
  type KeyRole,
  listApiKeys,
  type NewApiKey,
  revokeApiKey,
  touchApiKey,
} from './queries/api-keys';
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
  markAdoptionVerified,
  markBatchCleaned,
  markCancelSent,
  nextRound,
  type PlannedBatch,
  type PollRecord,
  pendingInputsForPlanning,
  plannedBatches,
  recordPoll,
  recordSubmitted,
  releaseSubmitLease,
  renewSubmitLease,
  type SubmitLease,
  type SubmitRecord,
  takeSubmitLease,
  undoAdoption,
} from './queries/batches';
export {
  type BlockedJobs,
  type BlockerTarget,
  blockedJobs,
  clearJobBlocker,
  setJobBlocker,
} from './queries/blockers';
export {
  type Budget,
  type BudgetStatus,
  budgetStatus,
  budgetStatuses,
  deleteBudget,
  getBudget,
  listBudgets,
  lockProjectBudget,
  setBudget,
  utcMonth,
} from './queries/budgets';
export {
  COST_GROUP_KEYS,
  type CostFigures,
  type CostGroup,
  type CostGroupKey,
  type CostSummary,
  type CostWindow,
  costSummary,
  type DailyCosts,
  dailyCostsByProject,
  type JobCostLine,
  partlyFailedJobCosts,
  runningJobCosts,
  troubledJobCosts,
  type UnpricedModel,
  unpricedModels,
  utcDayStart,
} from './queries/costs';
export { setJobWorstCase, skippedInputRequests, succeededCustomIds } from './queries/estimates';
export {
  claimIdempotencyKey,
  findIdempotencyKey,
  IDEMPOTENCY_WINDOW_H,
  type KeyClaim,
  type StoredAnswer,
} from './queries/idempotency';
export {
  type IntakeOutcome,
  type IntakeTotals,
  insertJob,
  type NewInput,
  type NewJob,
} from './queries/intake';
export {
  FAILURE_EXAMPLES_DEFAULT,
  FAILURE_EXAMPLES_MAX,
  type FailureExample,
  type FailureReason,
  type JobFailures,
  jobFailures,
} from './queries/job-failures';
export {
  InvalidJobCursorError,
  JOB_LIST_DEFAULT_LIMIT,
  JOB_LIST_MAX_LIMIT,
  type JobListFilter,
  type JobListPage,
  type JobSummary,
  listJobs,
} from './queries/job-list';
export { type JobCost, type JobUsage, jobTotals } from './queries/job-totals';
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
export { type CancelOutcome, type CancelReason, requestCancel } from './queries/lifecycle';
export { type MetricsSnapshot, metricsSnapshot, type UsageTotals } from './queries/metrics';
export {
  type FinishedJobRef,
  type FinishedJobSummary,
  finishedJobSummary,
  recentlyFinishedJobs,
  type StuckBatch,
  stuckBatches,
} from './queries/monitoring';
export {
  callbackReceivedWithin,
  PROVIDER_CALLBACK_RETENTION_H,
  type ProviderCallback,
  type ProviderCallbackOutcome,
  recordProviderCallback,
} from './queries/provider-callbacks';
export {
  chunkNeeds,
  chunksWaitingForQuota,
  claimWithinQuota,
  countWaitingForQuota,
  learnedBudgets,
  learnQuotaLimit,
  overBudget,
  type QuotaBudget,
  type QuotaClaim,
  type QuotaScope,
  type QuotaUnit,
  type QuotaUsage,
  quotaUsage,
  replanAfterQuotaFailure,
  type ScopeUsage,
} from './queries/quota';
export {
  type ApplyOutcome,
  applyResults,
  applyResultsIn,
  countPendingInputs,
  failUnsent,
  type IncomingResult,
  jobResultsCursor,
  markBatchFetched,
  type PriceResult,
  type PricingFor,
  type ResultLine,
  unansweredInputs,
} from './queries/results';
export { inScope, type ProjectScope, scopeHas } from './queries/scope';
export {
  type BatchRow,
  type BatchState,
  type InputState,
  type JobRow,
  type JobStatus,
  type StoredError,
  TERMINAL_JOB_STATUSES,
} from './queries/types';
export {
  getDelivery,
  type NewWebhookDelivery,
  renderOnce,
  rotateWebhookSecret,
  type WebhookDeliveryRow,
  type WebhookSecretSalts,
  webhookSecretSalts,
} from './queries/webhooks';
export * as schema from './schema';
export { assertSchemaCurrent, expectedMigration, SchemaVersionError } from './schema-version';
