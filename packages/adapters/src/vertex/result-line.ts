import { embeddingResult } from '../embedding-result';
import { normalizedError } from '../errors';
import { asNumber, asObject, asString, type Json } from '../json-fields';
import { jsonProblem } from '../json-problem';
import type { BatchContext, NormalizedResult, Usage } from '../types';
import { customIdFromLabels } from './custom-id-labels';
import { EMBEDDING_KEY_FIELD } from './request-line';
import { rowStatusError } from './row-status';

/** Finish reasons for which Gemini withheld the answer. */
const FILTERED_FINISH = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_SAFETY',
]);

/** `usageMetadata`: thinking tokens are billed as output; cached prompt tokens are part of the prompt count. */
export function vertexUsage(raw: unknown): Usage | null {
  const usage = asObject(raw);
  if (!usage) return null;
  return {
    inputTokens: asNumber(usage.promptTokenCount),
    outputTokens: asNumber(usage.candidatesTokenCount) + asNumber(usage.thoughtsTokenCount),
    cachedTokens: asNumber(usage.cachedContentTokenCount),
    cacheWriteTokens: 0,
    raw: usage,
  };
}

/** The custom id of an output line: the echoed request labels (chat), the key or the echoed instance (embeddings). */
export function lineCustomId(line: Json): string {
  if ('key' in line && line.key !== undefined && line.key !== null) return String(line.key);
  const instance = asObject(line.instance);
  if (instance && instance[EMBEDDING_KEY_FIELD] !== undefined) return String(instance[EMBEDDING_KEY_FIELD]);
  const id = customIdFromLabels(asObject(line.request)?.labels);
  if (id === null)
    throw new Error('vertex: a result line carries no custom id (request.labels, key or instance)');
  return id;
}

/** One line of `predictions*.jsonl`, Gemini or text-embedding (docs/providers/vertex.md#result-lines). */
export function parseVertexLine(line: Json, context: BatchContext): NormalizedResult {
  const customId = lineCustomId(line);
  const status = asString(line.status) ?? '';
  if (status !== '') return { customId, status: 'failed', usage: null, error: rowStatusError(status) };
  return context.kind === 'embedding'
    ? embeddingLineResult(customId, line)
    : chatResult(customId, line, context);
}

function embeddingLineResult(customId: string, line: Json): NormalizedResult {
  const prediction = asObject((line.predictions as unknown[] | undefined)?.[0]);
  const embeddings = asObject(prediction?.embeddings);
  const statistics = asObject(embeddings?.statistics);
  const usage: Usage | null = statistics
    ? {
        inputTokens: asNumber(statistics.token_count),
        outputTokens: 0,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        raw: statistics,
      }
    : null;
  return embeddingResult(customId, usage, embeddings?.values, 'prediction');
}

function chatResult(customId: string, line: Json, context: BatchContext): NormalizedResult {
  const response = asObject(line.response);
  if (!response) {
    return {
      customId,
      status: 'failed',
      usage: null,
      error: normalizedError('unknown', null, 'result line without response'),
    };
  }
  const usage = vertexUsage(response.usageMetadata);
  const candidate = asObject((response.candidates as unknown[] | undefined)?.[0]);
  if (!candidate) {
    const feedback = asObject(response.promptFeedback);
    const blockReason = asString(feedback?.blockReason);
    const error = blockReason
      ? normalizedError(
          'content_filtered',
          blockReason,
          asString(feedback?.blockReasonMessage) ?? 'the prompt was blocked',
        )
      : normalizedError('unknown', null, 'response without candidates');
    return { customId, status: 'failed', usage, error };
  }
  const finishReason = asString(candidate.finishReason);
  if (finishReason && FILTERED_FINISH.has(finishReason)) {
    const message = asString(candidate.finishMessage) ?? `the answer was withheld (${finishReason})`;
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('content_filtered', finishReason, message),
    };
  }
  const parts = (asObject(candidate.content)?.parts as unknown[] | undefined) ?? [];
  let text = '';
  for (const part of parts) {
    const record = asObject(part);
    if (record && record.thought !== true && typeof record.text === 'string') text += record.text;
  }
  if (!context.output) return { customId, status: 'succeeded', usage, output: { text, finishReason } };
  try {
    return { customId, status: 'succeeded', usage, output: { text, json: JSON.parse(text), finishReason } };
  } catch (error) {
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('invalid_output', 'invalid_json', `the answer is ${jsonProblem(error)}`),
    };
  }
}
