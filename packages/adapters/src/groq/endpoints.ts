import type { OpenAIEndpoints } from '../openai/endpoints';

/**
 * Groq's batch `endpoint` and every line's `url`. Its batches run chat only (the API reference lists
 * `/v1/chat/completions` as the one endpoint; audio needs files Tranche does not send): the descriptor's kinds say so,
 * and intake refuses an embedding job before it reaches here.
 */
export const GROQ_ENDPOINTS = {
  chat: '/v1/chat/completions',
  embedding: '/v1/embeddings',
} as const satisfies OpenAIEndpoints;
