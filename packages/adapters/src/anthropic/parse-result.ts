import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Usage as AnthropicUsage, Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { normalizedError } from '../errors';
import type { BatchContext, ErrorType, NormalizedResult, Usage } from '../types';

/** Anthropic error types (errors doc) as ours; only the transient ones are worth another attempt. */
const ERROR_TYPES: Record<string, ErrorType> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'invalid_request',
  permission_error: 'invalid_request',
  not_found_error: 'invalid_request',
  billing_error: 'invalid_request',
  request_too_large: 'invalid_request',
  rate_limit_error: 'rate_limited',
  overloaded_error: 'server_error',
  api_error: 'server_error',
  timeout_error: 'server_error',
};

/**
 * `input_tokens` excludes cache reads and writes: our `inputTokens` adds them back, so that it means the whole
 * prompt as on the other providers; reads are `cachedTokens`, writes `cacheWriteTokens`.
 */
export function anthropicUsage(usage: AnthropicUsage | null | undefined): Usage | null {
  if (!usage) return null;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens ?? 0,
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    raw: { ...usage },
  };
}

/** One line of a batch's results, in every shape the API documents. */
export function parseResult(line: MessageBatchIndividualResponse, context: BatchContext): NormalizedResult {
  const customId = line.custom_id;
  if (typeof customId !== 'string') throw new Error('anthropic result line without custom_id');
  const result = line.result;
  switch (result?.type) {
    case 'succeeded':
      return fromMessage(customId, result.message, context);
    case 'errored': {
      // Anthropic: `result.error` is a whole ErrorResponse, so the type sits at result.error.error.type.
      const error = result.error?.error;
      const code = error?.type ?? null;
      const type = (code && ERROR_TYPES[code]) ?? 'unknown';
      return {
        customId,
        status: 'failed',
        usage: null,
        error: normalizedError(type, code, error?.message ?? code ?? 'errored'),
      };
    }
    case 'canceled':
      return {
        customId,
        status: 'failed',
        usage: null,
        error: normalizedError('cancelled', 'canceled', 'the batch was canceled before this request ran'),
      };
    case 'expired':
      return {
        customId,
        status: 'failed',
        usage: null,
        error: normalizedError('expired', 'expired', 'the batch expired before this request ran'),
      };
    default: {
      // A result type the API may add later still gets a result.
      const type = (result as { type?: unknown } | undefined)?.type ?? null;
      return {
        customId,
        status: 'failed',
        usage: null,
        error: normalizedError('unknown', null, `unknown result type ${JSON.stringify(type)}`),
      };
    }
  }
}

/**
 * One answered Messages request as a result: its text, or the forced tool call's input for structured output, or a
 * refusal. Also Bedrock's, whose batch records hold the same Message as `modelOutput` (bedrock/result-line.ts).
 */
export function fromMessage(customId: string, message: Message, context: BatchContext): NormalizedResult {
  const usage = anthropicUsage(message.usage);
  const finishReason = message.stop_reason ?? null;
  const content = message.content ?? [];
  let text = '';
  for (const block of content) if (block.type === 'text') text += block.text;
  if (finishReason === 'refusal') {
    const explanation = message.stop_details?.explanation ?? (text || 'the model refused to answer');
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('content_filtered', 'refusal', explanation),
    };
  }
  if (!context.output) return { customId, status: 'succeeded', usage, output: { text, finishReason } };

  const calls = content.filter((block) => block.type === 'tool_use');
  const call = calls.find((block) => block.name === context.output?.name) ?? calls[0];
  if (call && typeof call.input === 'object' && call.input !== null && !Array.isArray(call.input)) {
    return {
      customId,
      status: 'succeeded',
      usage,
      output: { text: JSON.stringify(call.input), json: call.input, finishReason },
    };
  }
  // No tool call: the model may still have written the JSON as text.
  try {
    return { customId, status: 'succeeded', usage, output: { text, json: JSON.parse(text), finishReason } };
  } catch {
    const reason = `expected a ${context.output.name} tool call, got ${call ? 'a malformed one' : 'none'}`;
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('invalid_output', 'missing_tool_use', reason),
    };
  }
}
