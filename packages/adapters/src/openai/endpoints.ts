import type { BatchContext, JobKind } from '../types';

/**
 * The endpoint a batch of each kind runs against: the `url` of every request line and the batch's `endpoint`. A
 * provider that runs Responses API batches (OpenAI) names that endpoint too, for chat jobs whose `chatApi` is it.
 */
export type OpenAIEndpoints = Readonly<Record<JobKind, string>> & { readonly responses?: string };

export const OPENAI_ENDPOINTS = {
  chat: '/v1/chat/completions',
  embedding: '/v1/embeddings',
  responses: '/v1/responses',
} as const satisfies OpenAIEndpoints;

/**
 * The endpoint of a batch for `context`. A Responses job on a provider without that endpoint is refused at intake
 * (its descriptor offers no such chat API); reaching here anyway is a bug, so it throws rather than send chat lines.
 */
export function batchEndpoint(endpoints: OpenAIEndpoints, context: BatchContext): string {
  if (context.kind !== 'chat' || context.chatApi === undefined || context.chatApi === 'chat_completions')
    return endpoints[context.kind];
  if (endpoints.responses === undefined)
    throw new Error(`this provider runs no ${context.chatApi} batches (options.chat_api)`);
  return endpoints.responses;
}
