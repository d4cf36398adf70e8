import type { RequestEncoder } from '../descriptor';
import { openAIWireEncoder } from '../openai/encoder';
import { AZURE_ENDPOINTS } from './endpoints';

const lines = openAIWireEncoder(AZURE_ENDPOINTS);

/**
 * OpenAI's line shape; the job's `model` is the deployment name, which Azure reads from `body.model`. Chat only:
 * "Can I use the batch API for embeddings models? This is currently not supported."
 */
export const azureEncoder: RequestEncoder = {
  encodeLine(customId, request, context) {
    if (context.kind !== 'chat') throw new Error(`azure: batches run chat only, not ${context.kind}`);
    return lines.encodeLine(customId, request, context);
  },
};
