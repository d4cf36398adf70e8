import { embeddingResult } from '../embedding-result';
import { errorTypeForStatus, normalizedError } from '../errors';
import { asNumber, asObject, asString, type Json } from '../json-fields';
import { textAnswerResult } from '../text-answer';
import type { BatchContext, NormalizedError, NormalizedResult, Usage } from '../types';

/** Chat (`prompt_tokens`/`completion_tokens`) and Responses-style (`input_tokens`/`output_tokens`) usage alike. */
export function compatibleUsage(raw: unknown): Usage | null {
  const usage = asObject(raw);
  if (!usage) return null;
  const promptDetails = asObject(usage.prompt_tokens_details) ?? asObject(usage.input_tokens_details);
  return {
    inputTokens: asNumber(usage.prompt_tokens ?? usage.input_tokens),
    outputTokens: asNumber(usage.completion_tokens ?? usage.output_tokens),
    cachedTokens: asNumber(promptDetails?.cached_tokens),
    cacheWriteTokens: 0,
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

function successFromBody(customId: string, body: Json, context: BatchContext): NormalizedResult {
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
 * Mistral writes too. Every shape OpenAI documents lands here (docs/providers/openai.md#result-lines), and
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
