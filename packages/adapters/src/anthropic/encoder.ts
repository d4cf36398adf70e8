import type { RequestEncoder } from '../descriptor';
import { DEFAULT_MAX_TOKENS, messageParams } from './request-params';

/** One element of the create call's `requests`: `{custom_id, params}`, with `max_tokens` when the input sets none. */
export const anthropicEncoder: RequestEncoder = {
  encodeLine(customId, request, context) {
    if (context.kind !== 'chat')
      throw new Error(`anthropic batches only run chat requests, not ${context.kind}`);
    return JSON.stringify({
      custom_id: customId,
      params: messageParams(request, context, DEFAULT_MAX_TOKENS),
    });
  },
};
