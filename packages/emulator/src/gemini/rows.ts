import type { NulAnswers } from '../core/answer-poison';
import { embeddingModelSize } from '../core/embedding-models';
import { sha256 } from '../core/hash';
import { countTokens, embeddingVector, type ModelMessage } from '../core/model';
import { contentMessages, partsText } from '../gemini-format/content-messages';
import { chatAnswer } from '../gemini-format/generate-content-response';
import { checkGenerationConfig, type GenerationSettings } from '../vertex/generation-config';
import { field, isRecord, type Json, unknownKeys } from '../vertex/proto-json';

export type BatchKind = 'chat' | 'embedding';

/** One request of a batch, checked: what the model needs to answer it, and what its result echoes. */
export type Row =
  | ({ kind: 'chat'; messages: ModelMessage[] } & GenerationSettings & RowIdentity)
  | ({ kind: 'embedding'; content: string; dimensions: number } & RowIdentity)
  | ({ kind: 'invalid'; message: string } & RowIdentity);

interface RowIdentity {
  /** `key` of a file line; undefined for an inline request (its `metadata` is echoed instead). */
  key: unknown;
  /** An inline request's `metadata`, echoed as it came. */
  metadata: unknown;
  /** Identifies the request across batches (for `max_per_custom_id`). */
  identity: string;
}

/** `GenerateContentRequest` in v1beta: there is no `labels` (an unknown field fails the file). */
const GENERATE_FIELDS = new Set([
  'model',
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'safetySettings',
  'generationConfig',
  'cachedContent',
]);
const EMBED_FIELDS = new Set(['model', 'content', 'taskType', 'title', 'outputDimensionality']);
const TASK_TYPES = new Set([
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
]);

/**
 * Fatal problems of a request: the API checks batch lines strictly against the REST schema, and a line that is not
 * JSON or names an unknown field fails the whole input ("Error on line 1: invalid JSON, … no such field", as
 * reported: inspect_ai#3257). Null when the request may run (it can still fail alone, see `checkRequest`).
 */
export function schemaProblem(kind: BatchKind, request: unknown): string | null {
  if (!isRecord(request)) return 'invalid JSON, "request" must be an object';
  const unknown = unknownKeys(request, kind === 'chat' ? GENERATE_FIELDS : EMBED_FIELDS);
  if (unknown.length > 0) return `invalid JSON, no such field: '${unknown[0]}'`;
  return null;
}

/** Checks one request the way the model endpoint would; a bad request fails alone with 400. */
export function checkRequest(
  kind: BatchKind,
  model: string,
  request: Json,
  key: unknown,
  metadata: unknown,
): Row {
  const base = { key, metadata, identity: String(key ?? (isRecord(metadata) ? metadata.key : '') ?? '') };
  const invalid = (message: string): Row => ({ kind: 'invalid', message, ...base });
  if (kind === 'embedding') {
    const content = field(request, 'content');
    const text = partsText(content);
    if (text === null || text === '') return invalid('content must have non-empty "parts".');
    const taskType = field(request, 'taskType');
    if (taskType !== undefined && !TASK_TYPES.has(String(taskType)))
      return invalid(`Invalid value at 'task_type' (${String(taskType)}).`);
    const size = embeddingModelSize(model);
    const wanted = field(request, 'outputDimensionality');
    if (wanted !== undefined && !(Number.isInteger(wanted) && (wanted as number) >= 1)) {
      return invalid('output_dimensionality must be a positive integer.');
    }
    if (typeof wanted === 'number' && wanted > size.maxDimensions) {
      return invalid(`output_dimensionality must be at most ${size.maxDimensions}.`);
    }
    return {
      kind: 'embedding',
      content: text,
      dimensions: (wanted as number | undefined) ?? size.defaultDimensions,
      ...base,
    };
  }
  const content = contentMessages(request);
  if ('problem' in content) return invalid(content.problem);
  const config = checkGenerationConfig(field(request, 'generationConfig'));
  if ('problem' in config) return invalid(config.problem);
  return { kind: 'chat', messages: content.messages, ...config, ...base };
}

export interface AnswerContext {
  /** The model id without `models/`, as in `response.modelVersion`; embeddings are seeded by it. */
  model: string;
  cachedFraction: number;
  nulAnswers?: NulAnswers | null;
}

/** A `GenerateContentResponse` for a chat row: zero counts left out, as proto3 JSON does. */
export function chatResponse(row: Row & { kind: 'chat' }, corruptJson: boolean, ctx: AnswerContext): Json {
  const { text, finishReason, usageMetadata } = chatAnswer(row, corruptJson, ctx);
  return {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason, index: 0 }],
    usageMetadata,
    modelVersion: ctx.model,
  };
}

/** An `EmbedContentResponse`: `{embedding: {values}}`, the vector seeded by the model and the text. */
export function embeddingResponse(row: Row & { kind: 'embedding' }, ctx: AnswerContext): Json {
  const values = embeddingVector(sha256(`${ctx.model}\n${row.content}`), row.dimensions);
  return { embedding: { values }, tokenCount: String(countTokens(row.content)) };
}
