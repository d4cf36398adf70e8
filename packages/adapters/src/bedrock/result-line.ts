import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { fromMessage } from '../anthropic/parse-result';
import { embeddingResult } from '../embedding-result';
import { errorTypeForStatus, normalizedError } from '../errors';
import { asNumber, asObject, asString, type Json } from '../json-fields';
import type { BatchContext, ErrorType, NormalizedResult, Usage } from '../types';

/** The record's id; Tranche always sends one (Bedrock adds one only to a record that had none). */
export function lineRecordId(line: Json): string | null {
  return asString(line.recordId);
}

/**
 * One line of a job's `.out` file: `{recordId, modelInput, modelOutput}` for an answered record, or
 * `{recordId, modelInput, error: {errorCode, errorMessage}}` for a failed one (the error replaces the output).
 * Claude's `modelOutput` is an Anthropic Message, read as the Anthropic adapter reads one; Titan's is
 * `{embedding, inputTextTokenCount}`. Throws on a line of no known shape (result-file.ts makes it `malformed_line`).
 */
export function parseBedrockLine(line: Json, context: BatchContext): NormalizedResult {
  const customId = lineRecordId(line);
  if (!customId) throw new Error('bedrock result line without recordId');
  const error = asObject(line.error);
  if (error) return recordError(customId, error);
  const output = asObject(line.modelOutput);
  if (!output) throw new Error('bedrock result line with neither modelOutput nor error');
  if (context.kind === 'embedding') {
    return embeddingResult(customId, titanUsage(output), output.embedding, 'response');
  }
  return fromMessage(customId, output as unknown as Message, context);
}

/** Titan bills the input only: `inputTextTokenCount`. */
function titanUsage(output: Json): Usage | null {
  if (typeof output.inputTextTokenCount !== 'number') return null;
  return {
    inputTokens: asNumber(output.inputTextTokenCount),
    outputTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    raw: { inputTextTokenCount: output.inputTextTokenCount },
  };
}

/**
 * `errorCode` is an HTTP status, a number in AWS's example and a string in some writers: both are read. 424 is
 * Bedrock's ModelErrorException (the model failed while answering): worth another attempt, unlike the other 4xx. A
 * code that is no status is kept as the code, its type unknown (retried within the input's attempts).
 */
function recordError(customId: string, error: Json): NormalizedResult {
  const raw = error.errorCode;
  const code = typeof raw === 'number' || typeof raw === 'string' ? String(raw).trim() : null;
  const status = code !== null && /^[1-5]\d\d$/.test(code) ? Number(code) : null;
  const type: ErrorType =
    status === null ? 'unknown' : status === 424 ? 'server_error' : errorTypeForStatus(status);
  const message = asString(error.errorMessage) ?? asString(error.message) ?? 'the record failed';
  return { customId, status: 'failed', usage: null, error: normalizedError(type, code || null, message) };
}
