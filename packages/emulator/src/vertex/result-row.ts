import type { NulAnswers } from '../core/answer-poison';
import { sha256 } from '../core/hash';
import { countTokens, embeddingVector } from '../core/model';
import { chatAnswer } from '../gemini-format/generate-content-response';
import { rowStatus } from './google-errors';
import type { ChatRow, CheckedRow, EmbeddingRow } from './request-row';

export interface RowContext {
  /** e.g. `gemini-2.5-flash@default`, as in `response.modelVersion`. */
  modelVersion: string;
  model: string;
  /** `2024-11-13T14:04:28.376+00:00`, the form the output lines use. */
  processedTime: string;
  cachedFraction: number;
  dimensions: number;
  nulAnswers?: NulAnswers | null;
}

/** A failed row: a non-empty `status` and no `response`/`predictions`. */
export function failureLine(
  row: CheckedRow,
  status: number,
  message: string | undefined,
  ctx: RowContext,
): string {
  const text = rowStatus(status, message);
  if (row.kind === 'embedding') {
    return JSON.stringify(
      row.instance === null ? { key: row.key, status: text } : { instance: row.instance, status: text },
    );
  }
  if (row.kind === 'chat')
    return JSON.stringify({ status: text, processed_time: ctx.processedTime, request: row.request });
  const { echo } = row;
  if ('request' in echo)
    return JSON.stringify({ status: text, processed_time: ctx.processedTime, request: echo.request });
  return JSON.stringify(
    'key' in echo ? { key: echo.key, status: text } : { instance: echo.instance, status: text },
  );
}

export function chatLine(row: ChatRow, corruptJson: boolean, ctx: RowContext): string {
  const { text, finishReason, usageMetadata } = chatAnswer(row, corruptJson, ctx);
  return JSON.stringify({
    status: '',
    processed_time: ctx.processedTime,
    request: row.request,
    response: {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason }],
      usageMetadata,
      modelVersion: ctx.modelVersion,
    },
  });
}

/** The text-embedding batch format: `{"instance": …, "predictions": [{"embeddings": …}], "status": ""}`. */
export function embeddingLine(row: EmbeddingRow, ctx: RowContext): string {
  const values = embeddingVector(sha256(`${ctx.model}\n${row.content}`), ctx.dimensions);
  const predictions = [
    { embeddings: { statistics: { token_count: countTokens(row.content), truncated: false }, values } },
  ];
  return JSON.stringify(
    row.instance === null
      ? { key: row.key, predictions, status: '' }
      : { instance: row.instance, predictions, status: '' },
  );
}
