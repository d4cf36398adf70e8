import type { ErrorObject } from 'openai/resources/shared';
import { type NulAnswers, poisonFor } from '../core/answer-poison';
import { embeddingModelSize } from '../core/embedding-models';
import { sha256 } from '../core/hash';
import { isRecord } from '../core/is-record';
import { countTokens, generateReply, type ModelMessage, type ReplyFormat } from '../core/model';
import type { Rng } from '../core/prng';
import type { SupportedEndpoint } from './endpoints';

/** An error as OpenAI-compatible APIs send it, in an error envelope or a result line. */
export type ApiErrorObject = Pick<ErrorObject, 'message' | 'type' | 'param' | 'code'>;

/** What one request produced, kept compact until the result files are written. */
export type Outcome =
  | {
      kind: 'chat';
      model: string;
      text: string;
      finishReason: 'stop' | 'length';
      promptTokens: number;
      /** Reasoning tokens included. */
      completionTokens: number;
      cachedTokens: number;
      /** Of `completionTokens`, those a reasoning model spent thinking (OpenAI's Responses API reports them). */
      reasoningTokens?: number;
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

export function executeRequest(
  endpoint: SupportedEndpoint,
  body: Record<string, unknown>,
  model: string,
  faults: ExecutionFaults,
  sizeParam: EmbeddingSizeParam = 'dimensions',
): Outcome {
  return endpoint === '/v1/embeddings'
    ? executeEmbedding(body, model, sizeParam)
    : executeChat(body, model, faults);
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

/**
 * How a provider names and checks the size of an embedding: OpenAI's `dimensions`, Mistral's `output_dimension`
 * (the same wire format otherwise).
 */
export type EmbeddingSizeParam = 'dimensions' | 'output_dimension';

function executeEmbedding(
  body: Record<string, unknown>,
  model: string,
  sizeParam: EmbeddingSizeParam,
): Outcome {
  const inputs = embeddingInputs(body.input);
  if (!inputs) {
    return invalid(
      "Invalid 'input': expected a non-empty string, an array of strings, or an array of token arrays.",
      'input',
    );
  }
  const size = embeddingSize(body[sizeParam], model, sizeParam);
  if (typeof size !== 'number') return size;
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
  return { kind: 'embedding', model, digests, dimensions: size, base64: encoding === 'base64', promptTokens };
}

/** The vector size a request gets: the model's own, or the smaller one it asked for; else the refusal. */
function embeddingSize(asked: unknown, model: string, param: EmbeddingSizeParam): number | Outcome {
  const size = embeddingModelSize(model);
  if (asked === undefined || asked === null) return size.defaultDimensions;
  if (typeof asked !== 'number' || !Number.isInteger(asked)) {
    return invalid(`Invalid type for '${param}': expected an integer.`, param, 'invalid_type');
  }
  if (!size.resizable) {
    // As the live API answers (public reports, text-embedding-ada-002): no param, no code.
    return param === 'dimensions'
      ? requestError(400, {
          message: 'This model does not support specifying dimensions.',
          type: 'invalid_request_error',
          param: null,
          code: null,
        })
      : invalid(`Model '${model}' does not support '${param}'.`, param);
  }
  if (asked < 1) {
    return invalid(
      `Invalid '${param}': integer below minimum value. Expected a value >= 1, but got ${asked} instead.`,
      param,
      'integer_below_min_value',
    );
  }
  if (asked > size.maxDimensions) {
    // The live API's words (public reports, text-embedding-3-small asked for 1537):
    // "Must be less than or equal to 1536".
    return invalid(
      `Invalid value for '${param}' = ${asked}. Must be less than or equal to ${size.maxDimensions}.`,
      param,
      'invalid_value',
    );
  }
  return asked;
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
