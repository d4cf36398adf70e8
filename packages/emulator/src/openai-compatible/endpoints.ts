import type { BatchCreateParams } from 'openai/resources/batches';

/** The batch endpoints the emulator can answer (OpenAI's names; Mistral's are the same). */
export const SUPPORTED_ENDPOINTS = [
  '/v1/chat/completions',
  '/v1/embeddings',
] as const satisfies BatchCreateParams['endpoint'][];
export type SupportedEndpoint = (typeof SUPPORTED_ENDPOINTS)[number];
