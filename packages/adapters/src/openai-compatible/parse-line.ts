import { embeddingResult } from '../embedding-result';
import { errorTypeForStatus, normalizedError } from '../errors';
import { asNumber, asObject, asString, type Json } from '../json-fields';
import { textAnswerResult } from '../text-answer';
import type { BatchContext, NormalizedError, NormalizedResult, Usage } from '../types';

/**
 * Chat (`prompt_tokens`/`completion_tokens`) and Responses-style (`input_tokens`/`output_tokens`) usage alike. The
 * input count holds the cache reads and writes its details break out; the output count holds reasoning tokens.
 */
export function compatibleUsage(raw: unknown): Usage | null {
  const usage = asObject(raw);
  if (!usage) return null;
  const promptDetails = asObject(usage.prompt_tokens_details) ?? asObject(usage.input_tokens_details);
  return {
    inputTokens: asNumber(usage.prompt_tokens ?? usage.input_tokens),
    outputTokens: asNumber(usage.completion_tokens ?? usage.output_tokens),
    cachedTokens: asNumber(promptDetails?.cached_tokens),
    cacheWriteTokens: asNumber(promptDetails?.cache_write_tokens),
    raw: usage,
  };
}

/** A per-request error code the provider gives without an HTTP status. */
function errorForCode(code: string | null, message: string): NormalizedError {
  if (code === 'batch_expired') return normalizedError('expired', code, message);
  if (code === 'batch_cancelled' || code === 'batch_canceled')
    return normalizedError('cancelled', code, message);
  return normalizedError('unknown', code, message);
}

/** Codes of a failed Response that another attempt may not meet (`ResponseError` in the SDK); the rest are final. */
const RETRYABLE_RESPONSE_CODES: Readonly<Record<string, 'server_error' | 'rate_limited'>> = {
  server_error: 'server_error',
  rate_limit_exceeded: 'rate_limited',
};

/**
 * A Responses API body (`object: "response"`): the text of its output messages' `output_text` parts (reasoning
 * items carry none), a `refusal` part as content filtered, and its `status`: `incomplete` says why in
 * `incomplete_details.reason` (`max_output_tokens` is the length finish of a chat completion), `failed` in `error`.
 */
function responseResult(customId: string, body: Json, context: BatchContext): NormalizedResult {
  const usage = compatibleUsage(body.usage);
  const status = asString(body.status);
  if (status === 'failed') {
    const error = asObject(body.error);
    const code = asString(error?.code);
    const type = (code && RETRYABLE_RESPONSE_CODES[code]) || 'invalid_request';
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError(type, code, messageOf(error?.message) ?? 'the response failed'),
    };
  }
  let text = '';
  let refusal: string | null = null;
  for (const item of Array.isArray(body.output) ? body.output : []) {
    const output = asObject(item);
    if (output?.type !== 'message') continue;
    for (const part of Array.isArray(output.content) ? output.content : []) {
      const content = asObject(part);
      if (content?.type === 'output_text') text += asString(content.text) ?? '';
      else if (content?.type === 'refusal') refusal ??= asString(content.refusal) ?? 'the model refused';
    }
  }
  const reason = asString(asObject(body.incomplete_details)?.reason);
  if (refusal !== null || (status === 'incomplete' && reason === 'content_filter')) {
    const error = normalizedError(
      'content_filtered',
      refusal !== null ? 'refusal' : 'content_filter',
      refusal ?? 'the provider filtered the output',
    );
    return { customId, status: 'failed', usage, error };
  }
  if (status !== 'completed' && status !== 'incomplete') {
    const error = normalizedError('unknown', status, `the response ended ${status ?? 'without a status'}`);
    return { customId, status: 'failed', usage, error };
  }
  const finishReason =
    status === 'completed' ? 'stop' : reason === 'max_output_tokens' ? 'length' : (reason ?? 'incomplete');
  return textAnswerResult(customId, text, finishReason, usage, context);
}

/** A Responses API body, whatever the job asked for: its shape says which API answered. */
function isResponseBody(body: Json): boolean {
  return body.object === 'response' || (Array.isArray(body.output) && !Array.isArray(body.choices));
}

function successFromBody(customId: string, body: Json, context: BatchContext): NormalizedResult {
  if (context.kind === 'chat' && isResponseBody(body)) return responseResult(customId, body, context);
  const usage = compatibleUsage(body.usage);
  if (context.kind === 'embedding') {
    const first = asObject((body.data as unknown[] | undefined)?.[0]);
    return embeddingResult(customId, usage, first?.embedding, 'response');
  }
  const choice = asObject((body.choices as unknown[] | undefined)?.[0]);
  const message = asObject(choice?.message);
  const finishReason = asString(choice?.finish_reason);
  const refusal = asString(message?.refusal);
  if (finishReason === 'content_filter' || refusal) {
    const error = normalizedError(
      'content_filtered',
      finishReason ?? 'refusal',
      refusal ?? 'the provider filtered the output',
    );
    return { customId, status: 'failed', usage, error };
  }
  const text = asString(message?.content) ?? '';
  return textAnswerResult(customId, text, finishReason, usage, context);
}

/** A message that is not a string (Mistral's 422s carry an object) is kept as JSON. */
function messageOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return null;
  return JSON.stringify(value);
}

/** Mistral writes a failed request's body as its error object JSON-encoded in a string (seen live). */
function responseBody(body: unknown): Json {
  if (typeof body !== 'string') return asObject(body) ?? {};
  try {
    return asObject(JSON.parse(body)) ?? { message: body };
  } catch {
    return { message: body };
  }
}

function failed(customId: string, error: NormalizedError): NormalizedResult {
  return { customId, status: 'failed', usage: null, error };
}

/**
 * One line of an OpenAI-format output or error file (`{custom_id, response: {status_code, body}, error}`), which
 * Mistral writes too. Every shape OpenAI documents lands here (docs/providers/openai.md#result-lines), a Responses
 * API body included, and
 * Mistral's variants (docs/providers/mistral.md#result-lines): a failed body as a JSON string, and a top-level
 * error carrying `raw_status_code` with no `response`.
 */
export function parseCompatibleLine(line: Json, context: BatchContext): NormalizedResult {
  const customId = asString(line.custom_id);
  if (!customId) throw new Error('result line without custom_id');
  const response = asObject(line.response);
  const topError = asObject(line.error);
  if (response) {
    const status = asNumber(response.status_code);
    const body = responseBody(response.body);
    if (status >= 200 && status < 300) return successFromBody(customId, body, context);
    const bodyError = asObject(body.error) ?? body;
    const code = asString(bodyError.code) ?? asString(bodyError.type);
    const message = messageOf(bodyError.message) ?? `HTTP ${status}`;
    // Azure OpenAI refuses a prompt its content filter flags with a 400 whose code is `content_filter`.
    const type = code === 'content_filter' ? 'content_filtered' : errorTypeForStatus(status);
    return failed(customId, normalizedError(type, code, message));
  }
  if (topError) {
    const code = asString(topError.code);
    const message = messageOf(topError.message) ?? code ?? 'error';
    const status = asNumber(topError.raw_status_code ?? topError.status_code);
    if (status >= 400) return failed(customId, normalizedError(errorTypeForStatus(status), code, message));
    return failed(customId, errorForCode(code, message));
  }
  return failed(customId, normalizedError('unknown', null, 'result line with neither response nor error'));
}
