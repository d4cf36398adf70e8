export {
  type CallOptions,
  type CostQuery,
  type EstimateOptions,
  type FailuresOptions,
  isTerminal,
  type JobsQuery,
  type ResultsOptions,
  type SubmitOptions,
  TERMINAL_STATUSES,
  TrancheClient,
  type TrancheClientOptions,
  type WaitOptions,
} from './client.js';
export {
  AuthenticationError,
  BudgetExceededError,
  ConflictError,
  ConnectionError,
  IdempotencyKeyReusedError,
  IncompleteResultsError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  TimeoutError,
  TrancheError,
  UnexpectedResponseError,
  ValidationError,
  WaitTimeoutError,
  WebhookVerificationError,
} from './errors.js';
export type { UploadProgress } from './ndjson-body.js';
export type { JobInputs, JobToSubmit } from './submission.js';
export type { FetchLike } from './transport.js';
export type * from './types.js';
export { verifyWebhook, type WebhookHeaders } from './webhooks.js';
