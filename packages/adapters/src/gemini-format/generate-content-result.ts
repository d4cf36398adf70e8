import { normalizedError } from '../errors';
import { asObject, asString } from '../json-fields';
import { textAnswerResult } from '../text-answer';
import type { BatchContext, NormalizedResult } from '../types';
import { geminiUsage } from './usage';

/** Finish reasons for which Gemini withheld the answer. */
const FILTERED_FINISH = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_SAFETY',
]);

/** The result of one chat request from its `GenerateContentResponse` (a result line's `response`). */
export function generateContentResult(
  customId: string,
  raw: unknown,
  context: BatchContext,
): NormalizedResult {
  const response = asObject(raw);
  if (!response) {
    return {
      customId,
      status: 'failed',
      usage: null,
      error: normalizedError('unknown', null, 'result line without response'),
    };
  }
  const usage = geminiUsage(response.usageMetadata);
  const candidate = asObject((response.candidates as unknown[] | undefined)?.[0]);
  if (!candidate) {
    const feedback = asObject(response.promptFeedback);
    const blockReason = asString(feedback?.blockReason);
    const error = blockReason
      ? normalizedError(
          'content_filtered',
          blockReason,
          asString(feedback?.blockReasonMessage) ?? 'the prompt was blocked',
        )
      : normalizedError('unknown', null, 'response without candidates');
    return { customId, status: 'failed', usage, error };
  }
  const finishReason = asString(candidate.finishReason);
  if (finishReason && FILTERED_FINISH.has(finishReason)) {
    const message = asString(candidate.finishMessage) ?? `the answer was withheld (${finishReason})`;
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('content_filtered', finishReason, message),
    };
  }
  const parts = (asObject(candidate.content)?.parts as unknown[] | undefined) ?? [];
  let text = '';
  for (const part of parts) {
    const record = asObject(part);
    if (record && record.thought !== true && typeof record.text === 'string') text += record.text;
  }
  return textAnswerResult(customId, text, finishReason, usage, context);
}
