import type { Batch, BatchCreateParams, BatchError, BatchUsage } from 'openai/resources/batches';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, Embedding } from 'openai/resources/embeddings';
import type { FileDeleted, FileObject } from 'openai/resources/files';
import type { ResponseUsage } from 'openai/resources/responses/responses';
import type { UploadPart } from 'openai/resources/uploads/parts';
import type { Upload } from 'openai/resources/uploads/uploads';
import type { Wire } from '../core/wire';
import type { ApiErrorObject } from '../openai-compatible/request-executor';

export type WireBatch = Wire<Batch>;
export type BatchStatus = Batch['status'];
/** Every key of a validation error is always sent. */
export type WireBatchError = Required<BatchError>;
export type { BatchUsage, ChatCompletion, FileDeleted };

/** `evals` is an accepted upload purpose the SDK's FileObject union does not list. */
export type WireFile = Omit<Wire<FileObject>, 'purpose'> & { purpose: FileObject['purpose'] | 'evals' };

/** The nested `file` is ours, so an `evals` upload can carry its file. */
export type WireUpload = Omit<Wire<Upload>, 'file'> & { file: WireFile | null };
export type UploadStatus = Upload['status'];
export type WireUploadPart = Wire<UploadPart>;

export type KnownEndpoint = BatchCreateParams['endpoint'];

export interface ListBody<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export type { ApiErrorObject };

export interface ErrorEnvelope {
  error: ApiErrorObject;
}

/** With `encoding_format: "base64"` the API sends each vector as a base64 string of float32s. */
export type EmbeddingBody = Omit<CreateEmbeddingResponse, 'data'> & {
  data: Array<Omit<Embedding, 'embedding'> & { embedding: number[] | string }>;
};

/**
 * A Response as a `/v1/responses` batch line carries it: the fields the SDK's `Response` gives a text answer (its
 * echo of the request's own settings left out).
 */
export interface ResponseBody {
  id: string;
  object: 'response';
  created_at: number;
  status: 'completed' | 'incomplete';
  completed_at: number | null;
  error: null;
  incomplete_details: { reason: 'max_output_tokens' } | null;
  model: string;
  output: Array<
    | { type: 'reasoning'; id: string; summary: [] }
    | {
        type: 'message';
        id: string;
        status: 'completed' | 'incomplete';
        role: 'assistant';
        content: Array<{ type: 'output_text'; text: string; annotations: []; logprobs: [] }>;
      }
  >;
  usage: Pick<ResponseUsage, 'input_tokens' | 'output_tokens' | 'total_tokens'> & {
    input_tokens_details: Pick<ResponseUsage['input_tokens_details'], 'cached_tokens' | 'cache_write_tokens'>;
    output_tokens_details: ResponseUsage['output_tokens_details'];
  };
}

/** One line of a batch output or error file (spec `BatchRequestOutput`). */
export interface BatchResultLine {
  id: string;
  custom_id: string;
  response: {
    status_code: number;
    request_id: string;
    body: ChatCompletion | ResponseBody | EmbeddingBody | ErrorEnvelope;
  } | null;
  error: { code: string; message: string } | null;
}
