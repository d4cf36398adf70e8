import { rngHex } from '../core/ids';
import { base64Vector, embeddingVector } from '../core/model';
import type { Rng } from '../core/prng';
import type { Outcome } from '../openai-compatible/request-executor';
import type { ErrorLineShape } from './options';
import type { ChatBody, EmbeddingBody, MistralErrorObject, ResultLine } from './types';

export interface LineContext {
  jobId: string;
  /** Position of the request in the job's input, as in the live line ids `batch-<8hex>-<8hex>-<n>`. */
  index: number;
  /** When the request finished (Unix seconds). */
  created: number;
  rng: Rng;
  errorShape: ErrorLineShape;
}

/** One line of the output file (a success) or the error file (a failure). No `request_id`, unlike OpenAI. */
export function resultLine(customId: string | null, outcome: Outcome, context: LineContext): string {
  const id = `batch-${context.jobId.slice(0, 8)}-${rngHex(context.rng, 8)}-${context.index}`;
  if (outcome.kind === 'error') return JSON.stringify(errorLine(id, customId, outcome, context.errorShape));
  const body = outcome.kind === 'chat' ? chatBody(outcome, context) : embeddingBody(outcome, context);
  const line: ResultLine = { id, custom_id: customId, response: { status_code: 200, body }, error: null };
  return JSON.stringify(line);
}

function errorLine(
  id: string,
  customId: string | null,
  outcome: Outcome & { kind: 'error' },
  shape: ErrorLineShape,
): ResultLine {
  const { status, error } = outcome;
  const object: MistralErrorObject = {
    object: 'error',
    message: error.message,
    type: error.type,
    param: error.param ?? null,
    code: error.code ?? null,
    raw_status_code: status,
  };
  switch (shape) {
    case 'string_body':
      // Seen live: the body of a failed request is Mistral's error object as a JSON *string*.
      return {
        id,
        custom_id: customId,
        response: { status_code: status, body: JSON.stringify(object) },
        error: null,
      };
    case 'openai_envelope':
      return {
        id,
        custom_id: customId,
        response: {
          status_code: status,
          body: {
            error: { message: object.message, type: object.type, param: object.param, code: object.code },
          },
        },
        error: null,
      };
    case 'top_level_error': {
      const { object: _kind, ...rest } = object;
      return { id, custom_id: customId, error: rest };
    }
  }
}

function chatBody(outcome: Outcome & { kind: 'chat' }, context: LineContext): ChatBody {
  const usage: ChatBody['usage'] = {
    prompt_tokens: outcome.promptTokens,
    completion_tokens: outcome.completionTokens,
    total_tokens: outcome.promptTokens + outcome.completionTokens,
  };
  if (outcome.cachedTokens > 0) usage.prompt_tokens_details = { cached_tokens: outcome.cachedTokens };
  return {
    id: rngHex(context.rng, 32),
    object: 'chat.completion',
    model: outcome.model,
    usage,
    created: context.created,
    choices: [
      {
        index: 0,
        finish_reason: outcome.finishReason,
        message: { role: 'assistant', content: outcome.text, tool_calls: null },
      },
    ],
  };
}

function embeddingBody(outcome: Outcome & { kind: 'embedding' }, context: LineContext): EmbeddingBody {
  return {
    id: rngHex(context.rng, 32),
    object: 'list',
    data: outcome.digests.map((digest, index) => {
      const vector = embeddingVector(digest, outcome.dimensions);
      return {
        object: 'embedding',
        embedding: outcome.base64 ? base64Vector(vector) : vector,
        index,
      };
    }),
    model: outcome.model,
    usage: { prompt_tokens: outcome.promptTokens, completion_tokens: 0, total_tokens: outcome.promptTokens },
  };
}
