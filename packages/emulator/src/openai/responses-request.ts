import { poisonFor } from '../core/answer-poison';
import { isRecord } from '../core/is-record';
import { countTokens, generateReply, type ModelMessage, type ReplyFormat } from '../core/model';
import { type ExecutionFaults, type Outcome, requestError } from '../openai-compatible/request-executor';

/** Where a batch line's Responses API requests go (`POST /v1/responses`). */
export const RESPONSES_ENDPOINT = '/v1/responses';

/**
 * Chat Completions parameters the Responses API has not got: a line that sends one is refused as the live API
 * refuses an unknown parameter (`unsupported_parameter`), so an encoder that mixes the two dialects is caught.
 */
const CHAT_ONLY: Readonly<Record<string, string>> = {
  messages: "Use 'input' instead.",
  max_tokens: "Use 'max_output_tokens' instead.",
  max_completion_tokens: "Use 'max_output_tokens' instead.",
  response_format: "In the Responses API, this parameter has moved to 'text.format'.",
  stop: '',
};

/**
 * Reasoning models (`o1`…, `gpt-5`…) also report reasoning tokens in their output: as many as the visible ones, within
 * what `max_output_tokens` leaves.
 */
const REASONING_MODEL = /^(o\d|gpt-5)/;

function invalid(message: string, param: string, code: string | null = null): Outcome {
  return requestError(400, { message, type: 'invalid_request_error', param, code });
}

/**
 * Runs one `/v1/responses` request line's body through the deterministic model: `instructions` and the `input`
 * messages make the prompt, `max_output_tokens` caps the answer, `text.format` asks for structured output.
 */
export function executeResponsesRequest(
  body: Record<string, unknown>,
  model: string,
  faults: ExecutionFaults,
): Outcome {
  for (const [param, hint] of Object.entries(CHAT_ONLY)) {
    if (body[param] !== undefined) {
      return invalid(
        `Unsupported parameter: '${param}'.${hint ? ` ${hint}` : ''}`,
        param,
        'unsupported_parameter',
      );
    }
  }
  const messages: ModelMessage[] = [];
  if (body.instructions !== undefined && body.instructions !== null) {
    if (typeof body.instructions !== 'string')
      return invalid("Invalid type for 'instructions': expected a string.", 'instructions', 'invalid_type');
    messages.push({ role: 'system', text: body.instructions });
  }
  const input = inputMessages(body.input);
  if (typeof input === 'string') return invalid(input, 'input');
  messages.push(...input);

  const maxTokens = body.max_output_tokens;
  if (
    maxTokens !== undefined &&
    maxTokens !== null &&
    !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)
  ) {
    return invalid(
      "Invalid 'max_output_tokens': expected an integer >= 1.",
      'max_output_tokens',
      'invalid_value',
    );
  }
  const format = textFormat(body.text);
  if (typeof format === 'string') return invalid(format, 'text.format');

  const corruptJson =
    format.type !== 'text' && faults.invalidJsonRate > 0 && faults.rng.next() < faults.invalidJsonRate;
  const reply = generateReply({
    messages,
    maxTokens: (maxTokens as number | null | undefined) ?? null,
    format,
    corruptJson,
    poison: poisonFor(faults.nulAnswers, messages),
  });
  // max_output_tokens bounds reasoning and visible tokens together: a reasoning model thinks within what is left.
  const left = typeof maxTokens === 'number' ? maxTokens - reply.completionTokens : Number.POSITIVE_INFINITY;
  const reasoningTokens = REASONING_MODEL.test(model) ? Math.min(countTokens(reply.text), left) : 0;
  return {
    kind: 'chat',
    model,
    text: reply.text,
    finishReason: reply.finishReason,
    promptTokens: reply.promptTokens,
    completionTokens: reply.completionTokens + reasoningTokens,
    cachedTokens: Math.floor(reply.promptTokens * faults.cachedFraction),
    reasoningTokens,
  };
}

/** `input` as the model reads it: a string is one user message; else every item must be a role-and-content message. */
function inputMessages(input: unknown): ModelMessage[] | string {
  if (typeof input === 'string') return [{ role: 'user', text: input }];
  if (!Array.isArray(input) || input.length === 0)
    return "Invalid 'input': expected a string or a non-empty array of input items.";
  const messages: ModelMessage[] = [];
  for (const [index, item] of input.entries()) {
    if (!isRecord(item) || typeof item.role !== 'string')
      return `Invalid 'input[${index}]': expected a message with a 'role'.`;
    if (!['user', 'assistant', 'system', 'developer'].includes(item.role))
      return `Invalid 'input[${index}].role': '${item.role}' is not one of 'user', 'assistant', 'system', 'developer'.`;
    const text = contentText(item.content);
    if (text === null)
      return `Invalid 'input[${index}].content': expected a string or an array of text parts.`;
    messages.push({ role: item.role === 'developer' ? 'system' : item.role, text });
  }
  return messages;
}

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content) {
    if (!isRecord(part) || (part.type !== 'input_text' && part.type !== 'output_text')) return null;
    if (typeof part.text !== 'string') return null;
    text += part.text;
  }
  return text;
}

/** `text.format`: plain text unless it asks for JSON; a JSON schema needs its `name` and `schema`. */
function textFormat(text: unknown): ReplyFormat | string {
  if (text === undefined || text === null) return { type: 'text' };
  if (!isRecord(text)) return "Invalid type for 'text': expected an object.";
  const format = text.format;
  if (format === undefined || format === null) return { type: 'text' };
  if (!isRecord(format)) return "Invalid type for 'text.format': expected an object.";
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type !== 'json_schema')
    return `Invalid value: '${String(format.type)}'. Supported values are: 'text', 'json_schema' and 'json_object'.`;
  if (typeof format.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(format.name))
    return "Invalid 'text.format.name': expected letters, digits, _ and - only, at most 64.";
  if (!isRecord(format.schema)) return "Missing required parameter: 'text.format.schema'.";
  return { type: 'json_schema', schema: format.schema };
}
