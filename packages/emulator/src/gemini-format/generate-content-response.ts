import { type NulAnswers, poisonFor } from '../core/answer-poison';
import { countTokens, generateReply, type ModelMessage } from '../core/model';
import type { GenerationSettings } from '../vertex/generation-config';
import type { Json } from '../vertex/proto-json';

/** What a `GenerateContentResponse` says of a chat answer; each caller lays out its own candidate. */
export interface ChatAnswer {
  text: string;
  finishReason: 'STOP' | 'MAX_TOKENS';
  /** Zero counts left out, as proto3 JSON does. */
  usageMetadata: Json;
}

/** The deterministic model's answer to a checked chat request (a response schema's enum answers its first value). */
export function chatAnswer(
  row: { messages: ModelMessage[] } & GenerationSettings,
  corruptJson: boolean,
  ctx: { cachedFraction: number; nulAnswers?: NulAnswers | null },
): ChatAnswer {
  const reply = generateReply({
    messages: row.messages,
    maxTokens: row.maxTokens,
    format: row.format,
    corruptJson,
    poison: poisonFor(ctx.nulAnswers, row.messages),
  });
  let text = reply.text;
  let candidates = reply.completionTokens;
  let finishReason: ChatAnswer['finishReason'] = reply.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP';
  if (row.enumValues) {
    text = row.enumValues[0]!;
    candidates = countTokens(text);
    finishReason = 'STOP';
  }
  const prompt = reply.promptTokens;
  const cached = Math.floor(prompt * ctx.cachedFraction);
  const usageMetadata: Json = {};
  if (prompt > 0) usageMetadata.promptTokenCount = prompt;
  if (candidates > 0) usageMetadata.candidatesTokenCount = candidates;
  if (prompt + candidates > 0) usageMetadata.totalTokenCount = prompt + candidates;
  if (cached > 0) usageMetadata.cachedContentTokenCount = cached;
  if (prompt > 0) usageMetadata.promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
  if (candidates > 0) usageMetadata.candidatesTokensDetails = [{ modality: 'TEXT', tokenCount: candidates }];
  return { text, finishReason, usageMetadata };
}
