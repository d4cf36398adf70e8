import { type NulAnswers, poisonFor, poisonValue } from '../core/answer-poison';
import { countPromptTokens, countTokens, generateReply } from '../core/model';
import type { Rng } from '../core/prng';
import type { ApiVersion } from './api-version';
import { type CheckedParams, checkParams } from './message-params';
import { toolInput } from './tool-input';
import type { ErrorObject, RequestErrorType, StopReason } from './types';

/** What one request produced, kept compact until the results file is written. */
export type Outcome =
  | {
      kind: 'message';
      model: string;
      reply:
        | { type: 'text'; text: string }
        | { type: 'tool_use'; name: string; input: Record<string, unknown> };
      stopReason: StopReason;
      stopSequence: string | null;
      inputTokens: number;
      outputTokens: number;
      cacheReadTokens: number;
      cacheWriteTokens: number;
    }
  | { kind: 'error'; error: ErrorObject<RequestErrorType> };

export interface ExecutionOptions {
  version: ApiVersion;
  invalidJsonRate: number;
  /** Share of prompt tokens reported as cache reads. */
  cachedFraction: number;
  /** Share of prompt tokens reported as cache writes (a cache breakpoint the prompt filled). */
  cacheWriteFraction: number;
  /** Draws for `invalid_json_rate`. */
  rng: Rng;
  nulAnswers?: NulAnswers | null;
  /** The batch was created with the `output-300k-2026-03-24` beta: `max_tokens` up to 300K on the models it covers. */
  output300k?: boolean;
}

export function executeMessage(params: Record<string, unknown>, options: ExecutionOptions): Outcome {
  const checked = checkParams(params, options.version, options.output300k ?? false);
  if (!checked.ok) return { kind: 'error', error: checked.error };
  const request = checked.params;
  const promptTokens = countPromptTokens(request.messages);
  // Anthropic: input_tokens excludes cache reads and writes, which are reported apart.
  const cacheReadTokens = Math.floor(promptTokens * options.cachedFraction);
  const cacheWriteTokens = Math.min(
    Math.floor(promptTokens * options.cacheWriteFraction),
    promptTokens - cacheReadTokens,
  );
  const usage = {
    inputTokens: promptTokens - cacheReadTokens - cacheWriteTokens,
    cacheReadTokens,
    cacheWriteTokens,
  };
  const poison = poisonFor(options.nulAnswers, request.messages);
  return request.forcedTool
    ? { ...toolCall(request, options, poison), ...usage }
    : { ...textReply(request, poison), ...usage };
}

type Reply = Omit<Outcome & { kind: 'message' }, 'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>;

function toolCall(request: CheckedParams, options: ExecutionOptions, poison: string | null): Reply {
  const tool = request.forcedTool!;
  const breakSchema = options.invalidJsonRate > 0 && options.rng.next() < options.invalidJsonRate;
  const instance = toolInput(tool.schema, breakSchema);
  // `nul_answers`: the tool input is an object, so the character is in one of its values (escaped in the line).
  const input = poison ? poisonValue(instance, poison) : instance;
  const outputTokens = countTokens(JSON.stringify(input));
  // A call cut off by max_tokens arrives with an incomplete (here: empty) input.
  const truncated = outputTokens > request.maxTokens;
  return {
    kind: 'message',
    model: request.model,
    reply: { type: 'tool_use', name: tool.name, input: truncated ? {} : input },
    stopReason: truncated ? 'max_tokens' : 'tool_use',
    stopSequence: null,
    outputTokens: truncated ? request.maxTokens : outputTokens,
  };
}

function textReply(request: CheckedParams, poison: string | null): Reply {
  const reply = generateReply({ messages: request.messages, maxTokens: request.maxTokens, poison });
  let text = reply.text;
  let stopReason: StopReason = reply.finishReason === 'length' ? 'max_tokens' : 'end_turn';
  let stopSequence: string | null = null;
  let cutAt = text.length;
  for (const sequence of request.stopSequences) {
    const at = sequence.length > 0 ? text.indexOf(sequence) : -1;
    if (at !== -1 && at < cutAt) {
      cutAt = at;
      stopSequence = sequence;
    }
  }
  if (stopSequence !== null) {
    text = text.slice(0, cutAt);
    stopReason = 'stop_sequence';
  }
  return {
    kind: 'message',
    model: request.model,
    reply: { type: 'text', text },
    stopReason,
    stopSequence,
    outputTokens: stopSequence === null ? reply.completionTokens : countTokens(text),
  };
}
