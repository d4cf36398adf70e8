import type { RequestEncoder } from '../descriptor';
import { openAIWireEncoder } from '../openai/encoder';
import { GROQ_ENDPOINTS } from './endpoints';

const lines = openAIWireEncoder(GROQ_ENDPOINTS);

/**
 * OpenAI's `{custom_id, method, url, body}` line, as Groq's batch guide shows it: the model in the body, the output
 * limit as `max_completion_tokens` (Groq's chat API has deprecated `max_tokens` for it). Chat only.
 */
export const groqEncoder: RequestEncoder = {
  encodeLine(customId, request, context) {
    if (context.kind !== 'chat') throw new Error(`groq: batches run chat only, not ${context.kind}`);
    return lines.encodeLine(customId, request, context);
  },
};
