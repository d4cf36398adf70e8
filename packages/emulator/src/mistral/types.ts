/**
 * Mistral's wire shapes (docs/providers/mistral.md), written out here because the emulator does not depend on the
 * SDK.
 * Field names are the JSON ones; the SDK's zod schemas require every non-optional key with integer numbers.
 */

export const JOB_STATUSES = [
  'QUEUED',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'TIMEOUT_EXCEEDED',
  'CANCELLATION_REQUESTED',
  'CANCELLED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface WireBatchError {
  message: string;
  count: number;
}

export interface WireBatchJob {
  id: string;
  object: 'batch';
  input_files: string[];
  metadata: Record<string, string> | null;
  endpoint: string;
  model: string | null;
  agent_id: string | null;
  output_file: string | null;
  error_file: string | null;
  errors: WireBatchError[];
  outputs: Array<Record<string, unknown>> | null;
  status: JobStatus;
  created_at: number;
  total_requests: number;
  completed_requests: number;
  succeeded_requests: number;
  failed_requests: number;
  started_at: number | null;
  completed_at: number | null;
}

export interface JobList {
  data: WireBatchJob[];
  object: 'list';
  total: number;
}

export type FilePurpose = 'fine-tune' | 'batch' | 'ocr';
export type SampleType = 'pretrain' | 'instruct' | 'batch_request' | 'batch_result' | 'batch_error';

export interface WireFile {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: FilePurpose;
  sample_type: SampleType;
  source: 'upload' | 'repository' | 'mistral';
  num_lines: number | null;
  mimetype: string | null;
  signature: string | null;
  expires_at: number | null;
  visibility: 'workspace' | 'user' | null;
}

export interface FileList {
  data: WireFile[];
  object: 'list';
  total: number;
}

/** The error object Mistral sends for an API error and, JSON-encoded, inside an error-file line. */
export interface MistralErrorObject {
  object: 'error';
  message: string;
  type: string;
  param: string | null;
  code: string | null;
  raw_status_code: number;
}

export interface ChatBody {
  id: string;
  object: 'chat.completion';
  model: string;
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details?: { cached_tokens: number };
  };
  created: number;
  choices: Array<{
    index: number;
    finish_reason: 'stop' | 'length';
    message: { role: 'assistant'; content: string; tool_calls: null };
  }>;
}

export interface EmbeddingBody {
  id: string;
  object: 'list';
  data: Array<{ object: 'embedding'; embedding: number[] | string; index: number }>;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: 0; total_tokens: number };
}

/** One line of an output or error file, and one item of `outputs` with `?inline=true`. */
export interface ResultLine {
  id: string;
  custom_id: string | null;
  response?: {
    status_code: number;
    body: ChatBody | EmbeddingBody | string | Record<string, unknown>;
  } | null;
  error?: Record<string, unknown> | null;
}
