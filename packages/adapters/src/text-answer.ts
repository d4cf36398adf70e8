import { normalizedError } from './errors';
import { jsonProblem } from './json-problem';
import type { BatchContext, NormalizedResult, Usage } from './types';

/**
 * A chat answer given as text: succeeded as it is, or, when the job asked for structured output, parsed as JSON —
 * an answer that is not JSON fails `invalid_output` (still billed: its usage is kept).
 */
export function textAnswerResult(
  customId: string,
  text: string,
  finishReason: string | null,
  usage: Usage | null,
  context: Pick<BatchContext, 'output'>,
): NormalizedResult {
  if (!context.output) return { customId, status: 'succeeded', usage, output: { text, finishReason } };
  try {
    return { customId, status: 'succeeded', usage, output: { text, json: JSON.parse(text), finishReason } };
  } catch (error) {
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('invalid_output', 'invalid_json', `the answer is ${jsonProblem(error)}`),
    };
  }
}
