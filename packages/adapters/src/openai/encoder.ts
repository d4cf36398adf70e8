import type { RequestEncoder } from '../descriptor';
import { compatibleBody } from '../openai-compatible/request-body';
import { OPENAI_ENDPOINTS, type OpenAIEndpoints } from './endpoints';

/** `{custom_id, method, url, body}` lines for an OpenAI-wire batch API whose endpoints are `endpoints`. */
export function openAIWireEncoder(endpoints: OpenAIEndpoints): RequestEncoder {
  return {
    encodeLine(customId, request, context) {
      const body = compatibleBody(request, context, {
        maxTokensField: 'max_completion_tokens',
        modelInBody: true,
        dimensionsField: 'dimensions',
        embeddingEncoding: 'base64',
      });
      return JSON.stringify({ custom_id: customId, method: 'POST', url: endpoints[context.kind], body });
    },
  };
}

export const openAIEncoder = openAIWireEncoder(OPENAI_ENDPOINTS);
