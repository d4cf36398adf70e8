import { describe, expect, it } from 'vitest';
import { azureEncoder } from '../azure/encoder';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import type { BatchContext } from '../types';
import { openAIEncoder } from './encoder';
import { batchEndpoint, OPENAI_ENDPOINTS } from './endpoints';

const responses: BatchContext = { jobId: 'j', model: 'gpt-5-mini', kind: 'chat', chatApi: 'responses' };
const schema = {
  type: 'object',
  properties: { answer: { type: 'string' } },
  required: ['answer'],
  additionalProperties: false,
};

/** A result line around a `Response` body, shaped as the SDK's `Response` type (openai 7.57) gives it. */
function responseLine(body: Record<string, unknown>, customId = 'r-1') {
  return {
    id: 'batch_req_1',
    custom_id: customId,
    response: { status_code: 200, request_id: 'req_1', body: { id: 'resp_1', object: 'response', ...body } },
    error: null,
  };
}

const message = (...content: Array<Record<string, unknown>>) => ({
  type: 'message',
  id: 'msg_1',
  role: 'assistant',
  status: 'completed',
  content,
});
const outputText = (text: string) => ({ type: 'output_text', text, annotations: [] });

const usage = {
  input_tokens: 120,
  input_tokens_details: { cached_tokens: 64, cache_write_tokens: 16 },
  output_tokens: 300,
  output_tokens_details: { reasoning_tokens: 192 },
  total_tokens: 420,
};

describe('Responses API request lines', () => {
  it('writes /v1/responses lines: instructions from the system prompt, input messages, max_output_tokens', () => {
    const line = openAIEncoder.encodeLine(
      'r-1',
      {
        system: 'Be brief.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'Bye 🎉' },
        ],
        params: { max_tokens: 1024, temperature: 0.2, top_p: 0.9 },
      },
      responses,
    );
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      custom_id: 'r-1',
      method: 'POST',
      url: '/v1/responses',
      body: {
        model: 'gpt-5-mini',
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'Bye 🎉' },
        ],
        max_output_tokens: 1024,
        temperature: 0.2,
        top_p: 0.9,
        store: false,
      },
    });
  });

  it('asks for structured output as a strict text.format json_schema, never response_format', () => {
    const line = JSON.parse(
      openAIEncoder.encodeLine(
        's',
        { messages: [{ role: 'user', content: 'Q' }] },
        { ...responses, output: { name: 'answer', schema } },
      ),
    ) as { body: Record<string, unknown> };
    expect(line.body.text).toEqual({ format: { type: 'json_schema', name: 'answer', schema, strict: true } });
    expect(line.body).not.toHaveProperty('response_format');
    expect(line.body).not.toHaveProperty('instructions');
    expect(line.body).not.toHaveProperty('max_output_tokens');
  });

  it('keeps chat completions the default, and chat_completions named explicitly the same', () => {
    const request = { messages: [{ role: 'user' as const, content: 'Q' }] };
    const plain = openAIEncoder.encodeLine('c', request, { ...responses, chatApi: undefined });
    expect(JSON.parse(plain)).toMatchObject({
      url: '/v1/chat/completions',
      body: { messages: [{ role: 'user', content: 'Q' }] },
    });
    expect(openAIEncoder.encodeLine('c', request, { ...responses, chatApi: 'chat_completions' })).toBe(plain);
    expect(batchEndpoint(OPENAI_ENDPOINTS, responses)).toBe('/v1/responses');
    expect(batchEndpoint(OPENAI_ENDPOINTS, { ...responses, kind: 'embedding' })).toBe('/v1/embeddings');
  });

  it('refuses to write Responses lines for a provider without that endpoint (intake refuses such jobs first)', () => {
    expect(() => azureEncoder.encodeLine('r', { messages: [] }, responses)).toThrow(/options\.chat_api/);
  });
});

describe('Responses API result lines', () => {
  it('reads the text of the output message after a reasoning item, and usage with cache writes and reasoning', () => {
    const line = responseLine({
      status: 'completed',
      model: 'gpt-5-mini-2025-08-07',
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [] },
        message(outputText('Hello'), outputText(', world.')),
      ],
      incomplete_details: null,
      error: null,
      usage,
    });
    expect(parseCompatibleLine(line, responses)).toEqual({
      customId: 'r-1',
      status: 'succeeded',
      output: { text: 'Hello, world.', finishReason: 'stop' },
      usage: { inputTokens: 120, outputTokens: 300, cachedTokens: 64, cacheWriteTokens: 16, raw: usage },
    });
  });

  it('parses structured output, and fails an answer that is not JSON as invalid_output, usage kept', () => {
    const withSchema: BatchContext = { ...responses, output: { name: 'answer', schema } };
    const line = (text: string) =>
      responseLine({ status: 'completed', output: [message(outputText(text))], usage });
    expect(parseCompatibleLine(line('{"answer":"yes"}'), withSchema)).toMatchObject({
      status: 'succeeded',
      output: { json: { answer: 'yes' }, text: '{"answer":"yes"}' },
    });
    expect(parseCompatibleLine(line('{"answer":'), withSchema)).toMatchObject({
      status: 'failed',
      error: { type: 'invalid_output', code: 'invalid_json', retryable: true },
      usage: { inputTokens: 120, outputTokens: 300 },
    });
  });

  it('gives an answer cut at max_output_tokens the length finish reason', () => {
    const line = responseLine({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ ...message(outputText('Half an ans')), status: 'incomplete' }],
      usage,
    });
    expect(parseCompatibleLine(line, responses)).toMatchObject({
      status: 'succeeded',
      output: { text: 'Half an ans', finishReason: 'length' },
    });
  });

  it('fails a refusal part or a content_filter incompletion as content_filtered, keeping usage', () => {
    const refusal = responseLine({
      status: 'completed',
      output: [message({ type: 'refusal', refusal: 'I cannot help with that.' })],
      usage,
    });
    expect(parseCompatibleLine(refusal, responses)).toMatchObject({
      status: 'failed',
      usage: { inputTokens: 120 },
      error: {
        type: 'content_filtered',
        code: 'refusal',
        message: 'I cannot help with that.',
        retryable: false,
      },
    });
    const filtered = responseLine({
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
      output: [],
      usage,
    });
    expect(parseCompatibleLine(filtered, responses)).toMatchObject({
      status: 'failed',
      error: { type: 'content_filtered', code: 'content_filter' },
    });
  });

  it('fails a failed Response by its error code: server errors and rate limits retryable, the rest final', () => {
    const failed = (code: string) =>
      parseCompatibleLine(
        responseLine({
          status: 'failed',
          error: { code, message: `${code} happened` },
          output: [],
          usage: null,
        }),
        responses,
      );
    expect(failed('server_error')).toMatchObject({
      status: 'failed',
      usage: null,
      error: {
        type: 'server_error',
        code: 'server_error',
        message: 'server_error happened',
        retryable: true,
      },
    });
    expect(failed('rate_limit_exceeded')).toMatchObject({ error: { type: 'rate_limited', retryable: true } });
    expect(failed('invalid_prompt')).toMatchObject({ error: { type: 'invalid_request', retryable: false } });
  });

  it('reads an HTTP error line of a Responses batch as any other', () => {
    const line = {
      custom_id: 'r-2',
      response: {
        status_code: 400,
        body: {
          error: {
            message: "Unsupported parameter: 'stop'.",
            type: 'invalid_request_error',
            param: 'stop',
            code: 'unsupported_parameter',
          },
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, responses)).toMatchObject({
      status: 'failed',
      error: { type: 'invalid_request', code: 'unsupported_parameter', retryable: false },
    });
  });

  it('still reads a chat completion body in a chat job, and cache writes from its prompt details', () => {
    const line = {
      custom_id: 'c',
      response: {
        status_code: 200,
        body: {
          object: 'chat.completion',
          choices: [{ message: { content: 'Hi.' }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: 10,
            completion_tokens: 2,
            prompt_tokens_details: { cached_tokens: 4, cache_write_tokens: 3 },
          },
        },
      },
    };
    expect(parseCompatibleLine(line, { ...responses, chatApi: undefined })).toMatchObject({
      status: 'succeeded',
      output: { text: 'Hi.', finishReason: 'stop' },
      usage: { inputTokens: 10, outputTokens: 2, cachedTokens: 4, cacheWriteTokens: 3 },
    });
  });
});
