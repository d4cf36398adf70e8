export { createAdapter } from './compose-adapter';
export type {
  ChatApiRules,
  InFlightQuota,
  ProviderBatchLimits,
  ProviderDescriptor,
  ProviderEnvSpec,
  RequestEncoder,
  RequestParamRules,
  TokenEstimatePolicy,
  TransportSettings,
} from './descriptor';
export {
  classifyCallError,
  errorTypeForStatus,
  isRetryableType,
  normalizedError,
  ProviderCallError,
} from './errors';
export { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, withIdleTimeout } from './idle-timeout';
export { jsonProblem } from './json-problem';
export { UnsupportedPatternError } from './linear-regexp';
export { parseJsonLine, readLines } from './lines';
export { CHUNK_KEY_METADATA, JOB_ID_METADATA } from './metadata';
export { compatibleUsage, parseCompatibleLine } from './openai-compatible/parse-line';
export { compileOutputSchema, type OutputValidator } from './output-validator';
export {
  type ChunkLimits,
  effectiveLimits,
  OversizedInputError,
  type PlannableInput,
  planChunks,
  requestLineOverhead,
} from './plan-chunks';
export {
  ALL_DESCRIPTORS,
  DESCRIPTORS,
  descriptorOf,
  type ProviderEnv,
  providerEnvSchema,
} from './providers';
export { isQueueFull, QUEUE_FULL_CODES, statedQueueLimit } from './queue-full';
export { AdapterRegistry, ProviderNotConfiguredError } from './registry';
export {
  type BatchAdapter,
  type BatchContext,
  type BatchFailureReason,
  type BatchOutcome,
  type BatchPhase,
  type BatchRef,
  type BatchTransport,
  CHAT_APIS,
  type ChatApi,
  type ChatMessage,
  type ErrorType,
  type ExistingBatch,
  type ExistingBatchQuery,
  type JobKind,
  type NormalizedError,
  type NormalizedResult,
  type OutputSchema,
  type PollResult,
  PROVIDERS,
  type Provider,
  type ProviderLimits,
  type RequestParams,
  type ResultOutput,
  type SubmitRequest,
  type SubmitResult,
  type UnifiedRequest,
  type UnreadableLine,
  type Usage,
} from './types';
