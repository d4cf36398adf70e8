import { type NulAnswers, poisonFor } from '../core/answer-poison';
import { sha256 } from '../core/hash';
import { countTokens, generateReply, type ModelMessage, type ReplyFormat } from '../core/model';
import type { Rng } from '../core/prng';
import { isRecord, type SupportedEndpoint } from './batch-params';
import type { ApiErrorObject } from './types';

/** What one request produced, kept compact until the result files are written. */
export type Outcome =
  | {
      kind: 'chat';
      model: string;
      text: string;
      finishReason: 'stop' | 'length';
      promptTokens: number;
      completionTokens: number;
      cachedTokens: number;
    }
  | {
      kind: 'embedding';
      model: string;
      /** sha256 of each input; the vector is re-derived when the file is written. */
      digests: Buffer[];
      dimensions: number;
      base64: boolean;
      promptTokens: number;
    }
  | { kind: 'error'; status: number; error: ApiErrorObject };

export interface ExecutionFaults {
  invalidJsonRate: number;
  cachedFraction: number;
  /** Draws for `invalid_json_rate`. */
  rng: Rng;
  nulAnswers?: NulAnswers | null;
}

const DEFAULT_DIMENSIONS = 8;
const MAX_DIMENSIONS = 4096;

export function executeRequest(
  endpoint: SupportedEndpoint,
  body: Record<string, unknown>,
  model: string,
  faults: ExecutionFaults,
): Outcome {
  return endpoint === '/v1/embeddings' ? executeEmbedding(body, model) : executeChat(body, model, faults);
}

export function requestError(status: number, error: ApiErrorObject): Outcome {
  return { kind: 'error', status, error };
}

function invalid(message: string, param: string, code: string | null = null): Outcome {
  return requestError(400, { message, type: 'invalid_request_error', param, code });
}

function executeChat(body: Record<string, unknown>, model: string, faults: ExecutionFaults): Outcome {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return invalid("Invalid 'messages': expected a non-empty array of messages.", 'messages');
  }
  const normalized: ModelMessage[] = [];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || typeof message.role !== 'string') {
      return invalid(`Invalid 'messages[${index}]': expected an object with a 'role'.`, `messages[${index}]`);
    }
    const text = contentText(message.content);
    if (text === null) {
      return invalid(
        `Invalid 'messages[${index}].content': expected a string or an array of parts.`,
        `messages[${index}].content`,
      );
    }
    normalized.push({ role: message.role, text });
  }

  const limitParam = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens = body[limitParam];
  if (
    maxTokens !== undefined &&
    maxTokens !== null &&
    !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)
  ) {
    return invalid(`Invalid '${limitParam}': expected an integer >= 1.`, limitParam, 'invalid_value');
  }

  const format = replyFormat(body.response_format);
  const corruptJson =
    format.type !== 'text' && faults.invalidJsonRate > 0 && faults.rng.next() < faults.invalidJsonRate;
  const reply = generateReply({
    messages: normalized,
    maxTokens: (maxTokens as number | null | undefined) ?? null,
    format,
    corruptJson,
    poison: poisonFor(faults.nulAnswers, normalized),
  });
  return {
    kind: 'chat',
    model,
    text: reply.text,
    finishReason: reply.finishReason,
    promptTokens: reply.promptTokens,
    completionTokens: reply.completionTokens,
    cachedTokens: Math.floor(reply.promptTokens * faults.cachedFraction),
  };
}

function contentText(content: unknown): string | null {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

function replyFormat(value: unknown): ReplyFormat {
  if (!isRecord(value)) return { type: 'text' };
  if (value.type === 'json_schema') {
    const spec = isRecord(value.json_schema) ? value.json_schema : {};
    return { type: 'json_schema', schema: spec.schema ?? {} };
  }
  if (value.type === 'json_object') return { type: 'json_object' };
  return { type: 'text' };
}

function executeEmbedding(body: Record<string, unknown>, model: string): Outcome {
  const inputs = embeddingInputs(body.input);
  if (!inputs) {
    return invalid(
      "Invalid 'input': expected a non-empty string, an array of strings, or an array of token arrays.",
      'input',
    );
  }
  const dimensions = body.dimensions ?? DEFAULT_DIMENSIONS;
  if (
    !Number.isInteger(dimensions) ||
    (dimensions as number) < 1 ||
    (dimensions as number) > MAX_DIMENSIONS
  ) {
    return invalid(
      `Invalid 'dimensions': expected an integer between 1 and ${MAX_DIMENSIONS}.`,
      'dimensions',
    );
  }
  const encoding = body.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') {
    return invalid(
      `Invalid value: '${String(encoding)}'. Supported values are: 'float' and 'base64'.`,
      'encoding_format',
      'invalid_value',
    );
  }
  let promptTokens = 0;
  const digests = inputs.map((input) => {
    promptTokens += typeof input === 'string' ? countTokens(input) : input.length;
    return sha256(`${model}\n${typeof input === 'string' ? input : JSON.stringify(input)}`);
  });
  return {
    kind: 'embedding',
    model,
    digests,
    dimensions: dimensions as number,
    base64: encoding === 'base64',
    promptTokens,
  };
}

function embeddingInputs(input: unknown): Array<string | number[]> | null {
  if (typeof input === 'string') return input.length > 0 ? [input] : null;
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((item) => typeof item === 'number')) return [input as number[]];
  const items: Array<string | number[]> = [];
  for (const item of input) {
    if (typeof item === 'string' && item.length > 0) items.push(item);
    else if (Array.isArray(item) && item.length > 0 && item.every((t) => typeof t === 'number'))
      items.push(item);
    else return null;
  }
  return items;
}
