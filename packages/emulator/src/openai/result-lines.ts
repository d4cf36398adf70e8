import { sha256Hex } from '../core/hash';
import { rngBase62, rngHex } from '../core/ids';
import { base64Vector, embeddingVector } from '../core/model';
import type { Rng } from '../core/prng';
import type { Outcome } from '../openai-compatible/request-executor';
import type { BatchResultLine, ChatCompletion, EmbeddingBody } from './types';

const EXPIRED_MESSAGE = 'This request could not be executed before the completion window expired.';

/** One output or error file line for a request that ran; `created` is when it finished (Unix seconds). */
export function resultLine(customId: string, outcome: Outcome, created: number, rng: Rng): string {
  const id = `batch_req_${rngHex(rng, 32)}`;
  const requestId = `req_${rngHex(rng, 32)}`;
  let line: BatchResultLine;
  if (outcome.kind === 'error') {
    line = {
      id,
      custom_id: customId,
      response: { status_code: outcome.status, request_id: requestId, body: { error: outcome.error } },
      error: null,
    };
  } else {
    const body =
      outcome.kind === 'chat'
        ? chatBody(outcome, `chatcmpl-${rngBase62(rng, 29)}`, created)
        : embeddingBody(outcome);
    line = {
      id,
      custom_id: customId,
      response: { status_code: 200, request_id: requestId, body },
      error: null,
    };
  }
  return JSON.stringify(line);
}

export function expiredLine(customId: string, rng: Rng): string {
  const line: BatchResultLine = {
    id: `batch_req_${rngHex(rng, 32)}`,
    custom_id: customId,
    response: null,
    error: { code: 'batch_expired', message: EXPIRED_MESSAGE },
  };
  return JSON.stringify(line);
}

const fingerprints = new Map<string, string>();

function systemFingerprint(model: string): string {
  let fingerprint = fingerprints.get(model);
  if (!fingerprint) {
    fingerprint = `fp_${sha256Hex(model).slice(0, 10)}`;
    fingerprints.set(model, fingerprint);
  }
  return fingerprint;
}

function chatBody(outcome: Outcome & { kind: 'chat' }, id: string, created: number): ChatCompletion {
  return {
    id,
    object: 'chat.completion',
    created,
    model: outcome.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: outcome.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: outcome.finishReason,
      },
    ],
    usage: {
      prompt_tokens: outcome.promptTokens,
      completion_tokens: outcome.completionTokens,
      total_tokens: outcome.promptTokens + outcome.completionTokens,
      prompt_tokens_details: { cached_tokens: outcome.cachedTokens, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: systemFingerprint(outcome.model),
  };
}

function embeddingBody(outcome: Outcome & { kind: 'embedding' }): EmbeddingBody {
  return {
    object: 'list',
    data: outcome.digests.map((digest, index) => {
      const vector = embeddingVector(digest, outcome.dimensions);
      return {
        object: 'embedding',
        index,
        embedding: outcome.base64 ? base64Vector(vector) : vector,
      };
    }),
    model: outcome.model,
    usage: { prompt_tokens: outcome.promptTokens, total_tokens: outcome.promptTokens },
  };
}
