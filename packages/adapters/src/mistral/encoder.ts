import type { RequestEncoder } from '../descriptor';
import { compatibleBody } from '../openai-compatible/request-body';
import type { BatchContext, UnifiedRequest } from '../types';

/**
 * `{custom_id, body}`: no method or url, the endpoint is set on the job. The model is left out of the body
 * too: it is set once on the job, which wins anyway (seen live: a line's own `body.model` is ignored).
 */
export function encodeMistralLine(customId: string, request: UnifiedRequest, context: BatchContext): string {
  // Embeddings as decimal floats: Mistral's SDK lists `encoding_format: "base64"`, but its docs show no batch
  // answer in that form, so nothing is asked that a batch could refuse.
  const body = compatibleBody(request, context, {
    maxTokensField: 'max_tokens',
    modelInBody: false,
    dimensionsField: 'output_dimension',
    embeddingEncoding: 'float',
  });
  return JSON.stringify({ custom_id: customId, body });
}

export const mistralEncoder: RequestEncoder = { encodeLine: encodeMistralLine };
