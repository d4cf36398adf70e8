import { executeMessage, type Outcome } from '../anthropic/message-executor';
import type { NulAnswers } from '../core/answer-poison';
import { sha256 } from '../core/hash';
import { rngBase62 } from '../core/ids';
import { countTokens, embeddingVector } from '../core/model';
import type { Rng } from '../core/prng';
import type { ResolvedModel } from './models';
import type { BedrockOptions } from './options';

/** The Messages API members an InvokeModel body for Claude may hold; `model` is not one (the job names the model). */
const CLAUDE_MEMBERS = new Set([
  'anthropic_version',
  'anthropic_beta',
  'max_tokens',
  'messages',
  'system',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
]);
const ANTHROPIC_VERSION = 'bedrock-2023-05-31';
/** The Messages API version whose checks fit Bedrock's: sampling params allowed, no `system` role in messages. */
const MESSAGES_API_VERSION = '2023-06-01';

const TITAN_MEMBERS = new Set(['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
const TITAN_DIMENSIONS = new Set([256, 512, 1024]);
const TITAN_MAX_CHARS = 50_000;

/** Why a record fails alone, as its output line's `error` says; null when it can run. */
export function recordProblem(
  model: ResolvedModel,
  input: Record<string, unknown>,
  options: BedrockOptions,
): string | null {
  return model.family === 'claude' ? claudeProblem(input, model, options) : titanProblem(input);
}

/**
 * Bedrock's InvokeModel checks on a Claude body, before the Messages API's own. The wording of InvokeModel's
 * refusals ("extraneous key [model] is not permitted") is the runtime's as third parties quote it; in batch output
 * it is UNCONFIRMED.
 */
function claudeProblem(
  input: Record<string, unknown>,
  model: ResolvedModel,
  options: BedrockOptions,
): string | null {
  for (const key of Object.keys(input)) {
    if (!CLAUDE_MEMBERS.has(key))
      return `Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`;
  }
  if (input.anthropic_version === undefined) {
    return 'Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.';
  }
  if (input.anthropic_version !== ANTHROPIC_VERSION) {
    return `Malformed input request: #/anthropic_version: ${JSON.stringify(input.anthropic_version)} is not a valid enum value, please reformat your input and try again.`;
  }
  if (
    options.toolsInBatch === 'record_error' &&
    (input.tools !== undefined || input.tool_choice !== undefined)
  ) {
    return 'Batch inference does not support tool calling.';
  }
  const outcome = executeClaude(input, model.name, null);
  return outcome.kind === 'error' ? outcome.error.message : null;
}

function titanProblem(input: Record<string, unknown>): string | null {
  for (const key of Object.keys(input)) {
    if (!TITAN_MEMBERS.has(key))
      return `Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`;
  }
  const text = input.inputText;
  if (typeof text !== 'string')
    return 'Malformed input request: #: required key [inputText] not found, please reformat your input and try again.';
  if (text.length === 0 || text.length > TITAN_MAX_CHARS) {
    return `Malformed input request: #/inputText: expected minLength: 1, maxLength: ${TITAN_MAX_CHARS}, please reformat your input and try again.`;
  }
  if (input.dimensions !== undefined && !TITAN_DIMENSIONS.has(input.dimensions as number)) {
    return `Malformed input request: #/dimensions: ${JSON.stringify(input.dimensions)} is not a valid enum value, please reformat your input and try again.`;
  }
  if (input.normalize !== undefined && typeof input.normalize !== 'boolean') {
    return 'Malformed input request: #/normalize: expected type: Boolean, please reformat your input and try again.';
  }
  const types = input.embeddingTypes;
  if (
    types !== undefined &&
    !(Array.isArray(types) && types.length > 0 && types.every((t) => t === 'float' || t === 'binary'))
  ) {
    return 'Malformed input request: #/embeddingTypes: expected a non-empty list of "float" and "binary", please reformat your input and try again.';
  }
  return null;
}

export interface RunContext {
  model: ResolvedModel;
  cachedFraction: number;
  cacheWriteFraction: number;
  invalidJsonRate: number;
  /** Draws for message and tool-call ids. */
  rng: Rng;
  /** Draws for `invalid_json_rate` (a forced tool call whose input breaks its schema). */
  jsonRng: Rng;
  nulAnswers: NulAnswers | null;
}

export interface RecordAnswer {
  modelOutput: Record<string, unknown>;
  inputTokens: number;
  outputTokens: number;
}

/** The `modelOutput` of a record that runs: Claude's message (InvokeModel's response body) or Titan's embedding. */
export function answerRecord(input: Record<string, unknown>, ctx: RunContext): RecordAnswer {
  if (ctx.model.family === 'titan-embed-text-v2') return titanAnswer(input, ctx);
  const outcome = executeClaude(input, ctx.model.name, ctx);
  if (outcome.kind === 'error')
    throw new Error(`a record that passed its checks failed: ${outcome.error.message}`);
  const block =
    outcome.reply.type === 'text'
      ? { type: 'text', text: outcome.reply.text }
      : {
          type: 'tool_use',
          id: `toolu_bdrk_${rngBase62(ctx.rng, 24)}`,
          name: outcome.reply.name,
          input: outcome.reply.input,
        };
  return {
    modelOutput: {
      // The `msg_bdrk_` prefix is what Bedrock's Claude ids are reported to look like (UNCONFIRMED).
      id: `msg_bdrk_${rngBase62(ctx.rng, 24)}`,
      type: 'message',
      role: 'assistant',
      model: outcome.model,
      content: [block],
      stop_reason: outcome.stopReason,
      stop_sequence: outcome.stopSequence,
      usage: {
        input_tokens: outcome.inputTokens,
        output_tokens: outcome.outputTokens,
        cache_creation_input_tokens: outcome.cacheWriteTokens,
        cache_read_input_tokens: outcome.cacheReadTokens,
      },
    },
    inputTokens: outcome.inputTokens + outcome.cacheReadTokens + outcome.cacheWriteTokens,
    outputTokens: outcome.outputTokens,
  };
}

/** Runs the Messages API's checks and the deterministic model on the body, with the job's model put in. */
function executeClaude(input: Record<string, unknown>, model: string, ctx: RunContext | null): Outcome {
  const { anthropic_version: _version, anthropic_beta: _beta, ...params } = input;
  return executeMessage(
    { ...params, model },
    {
      version: MESSAGES_API_VERSION,
      invalidJsonRate: ctx?.invalidJsonRate ?? 0,
      cachedFraction: ctx?.cachedFraction ?? 0,
      cacheWriteFraction: ctx?.cacheWriteFraction ?? 0,
      // A check runs no model: nothing is drawn.
      rng: ctx?.jsonRng ?? { next: () => 1, uint32: () => 0 },
      nulAnswers: ctx?.nulAnswers ?? null,
    },
  );
}

function titanAnswer(input: Record<string, unknown>, ctx: RunContext): RecordAnswer {
  const text = input.inputText as string;
  const dimensions = (input.dimensions as number | undefined) ?? 1024;
  const vector = embeddingVector(sha256(`${ctx.model.foundationModelId}\n${text}`), dimensions);
  const types = (input.embeddingTypes as string[] | undefined) ?? ['float'];
  const byType: Record<string, number[]> = {};
  if (types.includes('float')) byType.float = vector;
  if (types.includes('binary')) byType.binary = vector.map((value) => (value > 0 ? 1 : 0));
  const tokens = countTokens(text);
  return {
    modelOutput: { embedding: byType.float ?? null, embeddingsByType: byType, inputTextTokenCount: tokens },
    inputTokens: tokens,
    outputTokens: 0,
  };
}

/** The message of a record failed by `request_errors`, by status. */
export function injectedErrorMessage(status: number): string {
  switch (status) {
    case 429:
      return 'Too many requests, please wait before trying again.';
    case 408:
      return 'The model took too long to respond.';
    case 400:
      return 'The request was invalid.';
    default:
      return status >= 500 ? 'The model encountered an internal error.' : 'The request failed.';
  }
}
