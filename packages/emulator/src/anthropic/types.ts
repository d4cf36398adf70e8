/**
 * Anthropic Message Batches wire shapes (SDK `@anthropic-ai/sdk` 1.14 `MessageBatch`,
 * `MessageBatchIndividualResponse`, `Message`, `ErrorResponse`). The emulator does not depend on the SDK,
 * so they are restated here; `wire-types.test.ts` checks they still fit the SDK's types.
 */

export type ProcessingStatus = 'in_progress' | 'canceling' | 'ended';

export interface RequestCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

/** Every key is always sent; nullable ones are `null`. Timestamps are RFC 3339. */
export interface WireMessageBatch {
  id: string;
  type: 'message_batch';
  processing_status: ProcessingStatus;
  request_counts: RequestCounts;
  ended_at: string | null;
  created_at: string;
  expires_at: string;
  archived_at: string | null;
  cancel_initiated_at: string | null;
  results_url: string | null;
}

export interface DeletedMessageBatch {
  id: string;
  type: 'message_batch_deleted';
}

export interface ListBody<T> {
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/** What one batch request can error with: the SDK's union, without the HTTP-only `request_too_large`. */
export type RequestErrorType = Exclude<ErrorType, 'request_too_large'>;

export interface ErrorObject<T extends ErrorType = ErrorType> {
  type: T;
  message: string;
}

export interface ErrorResponse<T extends ErrorType = ErrorType> {
  type: 'error';
  error: ErrorObject<T>;
  request_id: string | null;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export interface TextBlock {
  type: 'text';
  text: string;
  citations: null;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  caller: { type: 'direct' };
}

export type ContentBlock = TextBlock | ToolUseBlock;

export interface Usage {
  /** Prompt tokens after the last cache breakpoint: cache reads and writes are not in it. */
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  server_tool_use: null;
  output_tokens_details: null;
  inference_geo: null;
  speed: null;
  /** UNCONFIRMED whether batch results say `batch`; nothing downstream reads it. */
  service_tier: 'batch';
}

export interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason;
  stop_sequence: string | null;
  stop_details: null;
  container: null;
  diagnostics: null;
  usage: Usage;
}

export type BatchResult =
  | { type: 'succeeded'; message: Message }
  | { type: 'errored'; error: ErrorResponse<RequestErrorType> }
  | { type: 'canceled' }
  | { type: 'expired' };

/** One line of the results JSONL. */
export interface IndividualResponse {
  custom_id: string;
  result: BatchResult;
}
