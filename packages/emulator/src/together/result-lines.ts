import { rngBase62 } from '../core/ids';
import type { Rng } from '../core/prng';
import type { Outcome } from '../openai-compatible/request-executor';

/**
 * An error-file line's `code`. Only `invalid_model` is documented (the batch guide's example); the rest are this
 * emulator's names for what the status says, and what the adapter reads them as is checked by its tests.
 */
function codeFor(status: number): string {
  if (status === 404) return 'invalid_model';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'internal_error';
  return 'invalid_request';
}

/**
 * One line of the output file (a success: `{custom_id, response: {status_code: 200, body}}`) or of the error file
 * (`{custom_id, error: {message, code}}`, the guide's shape, with no HTTP status). `created` is when it finished.
 */
export function resultLine(customId: string, outcome: Outcome, created: number, rng: Rng): string {
  if (outcome.kind === 'error') {
    return JSON.stringify({
      custom_id: customId,
      error: { message: outcome.error.message, code: codeFor(outcome.status) },
    });
  }
  if (outcome.kind !== 'chat') throw new Error('together batches run chat completions only');
  // Cached prompt tokens beside the counts (UNCONFIRMED field: the adapter also reads OpenAI's
  // `prompt_tokens_details.cached_tokens`), and only when some were cached.
  const usage: Record<string, number> = {
    prompt_tokens: outcome.promptTokens,
    completion_tokens: outcome.completionTokens,
    total_tokens: outcome.promptTokens + outcome.completionTokens,
  };
  if (outcome.cachedTokens > 0) usage.cached_tokens = outcome.cachedTokens;
  const body = {
    id: rngBase62(rng, 16),
    object: 'chat.completion',
    created,
    model: outcome.model,
    prompt: [],
    choices: [
      {
        index: 0,
        finish_reason: outcome.finishReason,
        logprobs: null,
        message: { role: 'assistant', content: outcome.text, tool_calls: [] },
      },
    ],
    usage,
  };
  return JSON.stringify({ custom_id: customId, response: { status_code: 200, body } });
}
