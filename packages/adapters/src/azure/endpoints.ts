import type { OpenAIEndpoints } from '../openai/endpoints';

/**
 * The v1 API's line `url` and batch `endpoint`. Azure batches run chat only (no embeddings): the descriptor's kinds
 * say so, and intake refuses an embedding job before it reaches here.
 */
export const AZURE_ENDPOINTS = {
  chat: '/v1/chat/completions',
  embedding: '/v1/embeddings',
} as const satisfies OpenAIEndpoints;
