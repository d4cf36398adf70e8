import type { RequestEncoder } from '../descriptor';
import { compatibleBody } from '../openai-compatible/request-body';
import type { BatchContext, UnifiedRequest } from '../types';

/**
 * `{custom_id, body}`: Together's lines carry no `method` or `url` (the endpoint is set once on the batch), and the
 * model goes in every body, since the batch create names none. Chat only: its batch API has no embeddings endpoint.
 */
export function encodeTogetherLine(customId: string, request: UnifiedRequest, context: BatchContext): string {
  if (context.kind !== 'chat') throw new Error(`together: no ${context.kind} batches, only chat`);
  const body = compatibleBody(request, context, {
    maxTokensField: 'max_tokens',
    modelInBody: true,
    dimensionsField: 'dimensions',
    embeddingEncoding: 'float',
  });
  return JSON.stringify({ custom_id: customId, body });
}

export const togetherEncoder: RequestEncoder = { encodeLine: encodeTogetherLine };
