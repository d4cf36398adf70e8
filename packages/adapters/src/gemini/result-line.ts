import { embeddingResult } from '../embedding-result';
import { generateContentResult } from '../gemini-format/generate-content-result';
import { statusObjectError } from '../gemini-format/row-status';
import { asObject, type Json } from '../json-fields';
import type { BatchContext, NormalizedResult, Usage } from '../types';

/**
 * The custom id of a result: `key` on a line of the responses file, `metadata.key` on an inline response. Results
 * are matched by it, never by position (their order is not reliable: python-genai#1909).
 */
export function lineCustomId(line: Json): string {
  const key = line.key ?? asObject(line.metadata)?.key;
  if (key === undefined || key === null || key === '')
    throw new Error('gemini: a result carries no key (key or metadata.key)');
  return String(key);
}

/**
 * One result, from the responses file or `inlinedResponses`: `{key, response}`, or `{key, error: Status}` for a
 * failed request (docs/providers/gemini.md#result-lines).
 */
export function parseGeminiLine(line: Json, context: BatchContext): NormalizedResult {
  const customId = lineCustomId(line);
  if (line.error !== undefined && line.error !== null) {
    return { customId, status: 'failed', usage: null, error: statusObjectError(line.error) };
  }
  if (context.kind !== 'embedding') return generateContentResult(customId, line.response, context);
  const response = asObject(line.response);
  // Where the embedding batch puts a token count is UNCONFIRMED: the SDK's type has `tokenCount` (an int64 string).
  const tokens = response?.tokenCount ?? asObject(response?.usageMetadata)?.promptTokenCount;
  const count = Number(tokens);
  const usage: Usage | null =
    tokens !== undefined && Number.isFinite(count)
      ? {
          inputTokens: count,
          outputTokens: 0,
          cachedTokens: 0,
          cacheWriteTokens: 0,
          raw: { tokenCount: tokens },
        }
      : null;
  const embedding =
    asObject(response?.embedding) ?? asObject((response?.embeddings as unknown[] | undefined)?.[0]);
  return embeddingResult(customId, usage, embedding?.values, 'response');
}
