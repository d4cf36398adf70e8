import { embeddingResult } from '../embedding-result';
import { generateContentResult } from '../gemini-format/generate-content-result';
import { rowStatusError } from '../gemini-format/row-status';
import { asNumber, asObject, asString, type Json } from '../json-fields';
import type { BatchContext, NormalizedResult, Usage } from '../types';
import { customIdFromLabels } from './custom-id-labels';
import { EMBEDDING_KEY_FIELD } from './encoder';

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
    : generateContentResult(customId, line.response, context);
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
