import type { JobKind } from '../types';

/** The endpoint a batch of each kind runs against: the `url` of every request line and the batch's `endpoint`. */
export type OpenAIEndpoints = Readonly<Record<JobKind, string>>;

export const OPENAI_ENDPOINTS = {
  chat: '/v1/chat/completions',
  embedding: '/v1/embeddings',
} as const satisfies OpenAIEndpoints;
