import type { Batch, BatchCreateParams, BatchError, BatchUsage } from 'openai/resources/batches';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, Embedding } from 'openai/resources/embeddings';
import type { FileDeleted, FileObject } from 'openai/resources/files';
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

/** One line of a batch output or error file (spec `BatchRequestOutput`). */
export interface BatchResultLine {
  id: string;
  custom_id: string;
  response: {
    status_code: number;
    request_id: string;
    body: ChatCompletion | EmbeddingBody | ErrorEnvelope;
  } | null;
  error: { code: string; message: string } | null;
}
