import type { RequestEncoder } from '../descriptor';
import { generateContentRequest } from '../gemini-format/generate-content-request';
import type { BatchContext, UnifiedRequest } from '../types';
import { customIdLabels } from './custom-id-labels';

/** For embedding jobs the id rides in the instance and `instanceConfig.keyField` takes it out again. */
export const EMBEDDING_KEY_FIELD = 'custom_id';

/**
 * One line of a Vertex batch input: a Gemini `GenerateContentRequest` under `request`, its custom id in the
 * request's `labels`, which Vertex echoes (chat); or a text-embedding instance `{"content": …}` plus the key field
 * (embeddings).
 */
export function vertexLine(
  customId: string,
  request: UnifiedRequest,
  context: BatchContext,
): Record<string, unknown> {
  if (context.kind === 'embedding') return { [EMBEDDING_KEY_FIELD]: customId, content: request.text ?? '' };
  return { request: { ...generateContentRequest(request, context), labels: customIdLabels(customId) } };
}

export const vertexEncoder: RequestEncoder = {
  encodeLine: (customId, request, context) => JSON.stringify(vertexLine(customId, request, context)),
};
