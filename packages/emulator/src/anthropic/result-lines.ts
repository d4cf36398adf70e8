import { rngBase62 } from '../core/ids';
import type { Rng } from '../core/prng';
import type { Outcome } from './message-executor';
import type { ContentBlock, IndividualResponse, Message } from './types';

/** The results line of a request that ran. Ids come from `rng`, so results repeat byte for byte. */
export function outcomeLine(customId: string, outcome: Outcome, rng: Rng): string {
  const line: IndividualResponse =
    outcome.kind === 'error'
      ? {
          custom_id: customId,
          // Anthropic: the error is a whole ErrorResponse, so its type sits at result.error.error.type.
          result: { type: 'errored', error: { type: 'error', error: outcome.error, request_id: null } },
        }
      : { custom_id: customId, result: { type: 'succeeded', message: message(outcome, rng) } };
  return JSON.stringify(line);
}

/** The results line of a request a cancel or the expiry kept from running. */
export function notRunLine(customId: string, type: 'canceled' | 'expired'): string {
  const line: IndividualResponse = { custom_id: customId, result: { type } };
  return JSON.stringify(line);
}

function message(outcome: Outcome & { kind: 'message' }, rng: Rng): Message {
  const id = `msg_${rngBase62(rng, 24)}`;
  const block: ContentBlock =
    outcome.reply.type === 'text'
      ? { type: 'text', text: outcome.reply.text, citations: null }
      : {
          type: 'tool_use',
          id: `toolu_${rngBase62(rng, 24)}`,
          name: outcome.reply.name,
          input: outcome.reply.input,
          caller: { type: 'direct' },
        };
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: outcome.model,
    content: [block],
    stop_reason: outcome.stopReason,
    stop_sequence: outcome.stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: outcome.inputTokens,
      output_tokens: outcome.outputTokens,
      cache_creation_input_tokens: outcome.cacheWriteTokens,
      cache_read_input_tokens: outcome.cacheReadTokens,
      cache_creation: { ephemeral_5m_input_tokens: outcome.cacheWriteTokens, ephemeral_1h_input_tokens: 0 },
      server_tool_use: null,
      output_tokens_details: null,
      inference_geo: null,
      speed: null,
      service_tier: 'batch',
    },
  };
}
