import { normalizedError } from './errors';
import type { NormalizedResult, Usage } from './types';

/** An embedding line's result: its vector, or a failure when the provider's answer carries none. */
export function embeddingResult(
  customId: string,
  usage: Usage | null,
  values: unknown,
  answer: 'response' | 'prediction',
): NormalizedResult {
  if (!Array.isArray(values)) {
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('unknown', null, `embedding missing from ${answer}`),
    };
  }
  return { customId, status: 'succeeded', usage, output: { embedding: values as number[] } };
}
