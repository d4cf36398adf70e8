import type { RequestEncoder } from '../descriptor';
import { compatibleBody } from '../openai-compatible/request-body';
import { batchEndpoint, OPENAI_ENDPOINTS, type OpenAIEndpoints } from './endpoints';
import { responsesBody } from './responses-body';

/**
 * `{custom_id, method, url, body}` lines for an OpenAI-wire batch API whose endpoints are `endpoints`: Chat
 * Completions or embeddings bodies, or Responses API bodies for a chat job that chose it (`options.chat_api`).
 */
export function openAIWireEncoder(endpoints: OpenAIEndpoints): RequestEncoder {
  return {
    encodeLine(customId, request, context) {
      const url = batchEndpoint(endpoints, context);
      const body =
        url === endpoints.responses
          ? responsesBody(request, context)
          : compatibleBody(request, context, {
              maxTokensField: 'max_completion_tokens',
              modelInBody: true,
              dimensionsField: 'dimensions',
              embeddingEncoding: 'base64',
            });
      return JSON.stringify({ custom_id: customId, method: 'POST', url, body });
    },
  };
}

export const openAIEncoder = openAIWireEncoder(OPENAI_ENDPOINTS);
