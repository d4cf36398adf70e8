import type { ModelMessage } from '../core/model';
import { type ApiVersion, allowsSamplingParams, allowsSystemMessages } from './api-version';
import { maxTokensLimit } from './model-limits';
import type { ErrorObject } from './types';

export interface ForcedTool {
  name: string;
  schema: Record<string, unknown>;
}

/** What the model needs from valid Messages API params. */
export interface CheckedParams {
  model: string;
  maxTokens: number;
  /** The system prompt first (role `system`), then the conversation. */
  messages: ModelMessage[];
  stopSequences: string[];
  /** Set when `tool_choice` makes the model call a tool (`tool`, or `any`: the first tool). */
  forcedTool: ForcedTool | null;
}

export type ParamsCheck =
  | { ok: true; params: CheckedParams }
  | { ok: false; error: ErrorObject<'invalid_request_error'> };

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Params the API accepts; the emulator acts on some and ignores the rest. */
const KNOWN_PARAMS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'cache_control',
  'output_config',
  'inference_geo',
  'diagnostics',
  'speed',
  'context_management',
  'mcp_servers',
]);
const SAMPLING_PARAMS = ['temperature', 'top_p', 'top_k'];

class ParamsError extends Error {}

function fail(message: string): never {
  throw new ParamsError(message);
}

/**
 * The checks the API runs on one batch request's `params`, after the batch was accepted: a failure becomes
 * an `errored` result with `invalid_request_error`, never a 400 on create. Messages follow the API's
 * `field: problem` style; the exact wording is ours.
 */
export function checkParams(
  params: Record<string, unknown>,
  version: ApiVersion,
  /** The batch was created with the `output-300k-2026-03-24` beta. */
  output300k = false,
): ParamsCheck {
  try {
    return { ok: true, params: check(params, version, output300k) };
  } catch (error) {
    if (!(error instanceof ParamsError)) throw error;
    return { ok: false, error: { type: 'invalid_request_error', message: error.message } };
  }
}

function check(params: Record<string, unknown>, version: ApiVersion, output300k: boolean): CheckedParams {
  const sampling = allowsSamplingParams(version);
  for (const key of Object.keys(params)) {
    if (!KNOWN_PARAMS.has(key) && !(sampling && SAMPLING_PARAMS.includes(key))) {
      fail(`${key}: Extra inputs are not permitted`);
    }
  }
  if (sampling) checkSampling(params);

  const model = params.model;
  if (typeof model !== 'string' || model.length === 0) fail('model: Field required');
  const maxTokens = params.max_tokens;
  if (maxTokens === undefined || maxTokens === null) fail('max_tokens: Field required');
  if (!Number.isInteger(maxTokens)) fail('max_tokens: Input should be a valid integer');
  if ((maxTokens as number) < 1) fail('max_tokens: Input should be greater than or equal to 1');
  const limit = maxTokensLimit(model as string, output300k);
  if ((maxTokens as number) > limit) {
    // The API's wording for a max_tokens over the model's limit.
    fail(
      `max_tokens: ${maxTokens} > ${limit}, which is the maximum allowed number of output tokens for ${model as string}`,
    );
  }
  if (params.stream === true) fail('stream: Streaming is not supported in batch requests');

  const messages: ModelMessage[] = [];
  if (params.system !== undefined) messages.push({ role: 'system', text: textOf(params.system, 'system') });
  messages.push(...conversation(params.messages, allowsSystemMessages(version)));

  return {
    model: model as string,
    maxTokens: maxTokens as number,
    messages,
    stopSequences: stopSequences(params.stop_sequences),
    forcedTool: forcedTool(params.tools, params.tool_choice),
  };
}

function checkSampling(params: Record<string, unknown>): void {
  for (const key of ['temperature', 'top_p'] as const) {
    const value = params[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || value < 0 || value > 1) {
      fail(`${key}: Input should be a number between 0 and 1`);
    }
  }
  const topK = params.top_k;
  if (topK !== undefined && !(Number.isInteger(topK) && (topK as number) >= 0)) {
    fail('top_k: Input should be a non-negative integer');
  }
}

function conversation(value: unknown, systemAllowed: boolean): ModelMessage[] {
  if (value === undefined) fail('messages: Field required');
  if (!Array.isArray(value)) fail('messages: Input should be a valid list');
  const list = value as unknown[];
  if (list.length === 0) fail('messages: at least one message is required');
  return list.map((message, index) => {
    const where = `messages.${index}`;
    if (!isRecord(message)) fail(`${where}: Input should be a valid dictionary`);
    const { role, content } = message as Record<string, unknown>;
    const roleAllowed = role === 'user' || role === 'assistant' || (systemAllowed && role === 'system');
    if (!roleAllowed) {
      fail(
        `${where}.role: Input should be ${systemAllowed ? "'user', 'assistant' or 'system'" : "'user' or 'assistant'"}`,
      );
    }
    return { role: role as string, text: textOf(content, `${where}.content`) };
  });
}

/** A string, or the text of an array of content blocks (other block types count as no text). */
function textOf(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) fail(`${where}: Input should be a valid string or list of content blocks`);
  let text = '';
  for (const [index, block] of (value as unknown[]).entries()) {
    if (!isRecord(block) || typeof block.type !== 'string') {
      fail(`${where}.${index}: Input should be a valid content block`);
    }
    const { type, text: blockText } = block as Record<string, unknown>;
    if (type !== 'text') continue;
    if (typeof blockText !== 'string') fail(`${where}.${index}.text: Field required`);
    text += blockText;
  }
  return text;
}

function stopSequences(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    fail('stop_sequences: Input should be a valid list of strings');
  }
  return value as string[];
}

function forcedTool(tools: unknown, choice: unknown): ForcedTool | null {
  const declared: ForcedTool[] = [];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) fail('tools: Input should be a valid list');
    for (const [index, tool] of (tools as unknown[]).entries()) {
      if (!isRecord(tool) || typeof tool.name !== 'string' || tool.name.length === 0) {
        fail(`tools.${index}.name: Field required`);
      }
      const { name, input_schema: schema } = tool as Record<string, unknown>;
      if (!isRecord(schema)) fail(`tools.${index}.input_schema: Field required`);
      if ((schema as Record<string, unknown>).type !== 'object') {
        fail(`tools.${index}.input_schema.type: Input should be 'object'`);
      }
      declared.push({ name: name as string, schema: schema as Record<string, unknown> });
    }
  }
  if (choice === undefined) return null;
  if (!isRecord(choice)) fail('tool_choice: Input should be a valid dictionary');
  const { type, name } = choice as Record<string, unknown>;
  switch (type) {
    case 'auto':
    case 'none':
      return null;
    case 'any':
      if (declared.length === 0) fail("tool_choice: 'any' requires at least one tool");
      return declared[0]!;
    case 'tool': {
      const tool = declared.find((candidate) => candidate.name === name);
      if (!tool) fail(`tool_choice.name: Tool '${String(name)}' not found in tools`);
      return tool!;
    }
    default:
      return fail("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
  }
}
