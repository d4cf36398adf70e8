import { sha256Hex } from '../core/hash';
import { rngBase62, rngHex } from '../core/ids';
import { base64Vector, embeddingVector } from '../core/model';
import type { Rng } from '../core/prng';
import type { Outcome } from '../openai-compatible/request-executor';
import type { WireBatchEndpoint } from './batch-params';
import { RESPONSES_ENDPOINT } from './responses-request';
import type { BatchResultLine, ChatCompletion, EmbeddingBody, ResponseBody } from './types';

const EXPIRED_MESSAGE = 'This request could not be executed before the completion window expired.';

/**
 * Whose result lines: OpenAI's, or Azure OpenAI's (no top-level `id`, a UUID `request_id`, and the content filter's
 * verdicts on the prompt and on each choice, as in Azure's batch how-to).
 */
export type ResultLineStyle = 'openai' | 'azure';

const SAFE = { filtered: false, severity: 'safe' } as const;
const CHOICE_FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTERS = { ...CHOICE_FILTERS, jailbreak: { filtered: false, detected: false } };

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An OpenAI line as Azure OpenAI writes it. */
function azureStyle(line: BatchResultLine): Record<string, unknown> {
  const { id: _id, ...rest } = line;
  const response = rest.response;
  if (!response) return rest;
  const body = response.body as unknown as Record<string, unknown>;
  const chat = Array.isArray(body.choices)
    ? {
        ...body,
        choices: (body.choices as Record<string, unknown>[]).map((choice) => ({
          ...choice,
          content_filter_results: CHOICE_FILTERS,
        })),
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: PROMPT_FILTERS }],
      }
    : body;
  return { ...rest, response: { ...response, request_id: uuidOf(response.request_id.slice(4)), body: chat } };
}

/**
 * One output or error file line for a request that ran; `created` is when it finished (Unix seconds). A chat answer
 * of a `/v1/responses` batch is a Response body, else a chat completion.
 */
export function resultLine(
  customId: string,
  outcome: Outcome,
  created: number,
  rng: Rng,
  style: ResultLineStyle = 'openai',
  endpoint?: WireBatchEndpoint,
): string {
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
      outcome.kind === 'embedding'
        ? embeddingBody(outcome)
        : endpoint === RESPONSES_ENDPOINT
          ? responseBody(outcome, rng, created)
          : chatBody(outcome, `chatcmpl-${rngBase62(rng, 29)}`, created);
    line = {
      id,
      custom_id: customId,
      response: { status_code: 200, request_id: requestId, body },
      error: null,
    };
  }
  return JSON.stringify(style === 'azure' ? azureStyle(line) : line);
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

/**
 * A Response (`object: "response"`) as the Responses API answers one request: a reasoning item first for a
 * reasoning model, then the assistant message with one `output_text` part. An answer cut at `max_output_tokens`
 * is `incomplete`, saying so in `incomplete_details`.
 */
function responseBody(outcome: Outcome & { kind: 'chat' }, rng: Rng, created: number): ResponseBody {
  const complete = outcome.finishReason === 'stop';
  const reasoningTokens = outcome.reasoningTokens ?? 0;
  const reasoning: ResponseBody['output'] =
    reasoningTokens > 0 ? [{ type: 'reasoning', id: `rs_${rngHex(rng, 48)}`, summary: [] }] : [];
  return {
    id: `resp_${rngHex(rng, 48)}`,
    object: 'response',
    created_at: created,
    status: complete ? 'completed' : 'incomplete',
    completed_at: complete ? created : null,
    error: null,
    incomplete_details: complete ? null : { reason: 'max_output_tokens' },
    model: outcome.model,
    output: [
      ...reasoning,
      {
        type: 'message',
        id: `msg_${rngHex(rng, 48)}`,
        status: complete ? 'completed' : 'incomplete',
        role: 'assistant',
        content: [{ type: 'output_text', text: outcome.text, annotations: [], logprobs: [] }],
      },
    ],
    usage: {
      input_tokens: outcome.promptTokens,
      input_tokens_details: { cached_tokens: outcome.cachedTokens, cache_write_tokens: 0 },
      output_tokens: outcome.completionTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: outcome.promptTokens + outcome.completionTokens,
    },
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
