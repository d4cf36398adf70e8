import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { parseCompatibleLine } from './parse-line';

const chat: BatchContext = { jobId: 'j', model: 'gpt-4o-mini', kind: 'chat' };

// The result-line shapes of OpenAI's batch docs (docs/providers/openai.md#result-lines), verbatim.
describe('parseCompatibleLine', () => {
  it('reads a success line: text, finish reason and usage with cached tokens', () => {
    const line = {
      id: 'batch_req_123',
      custom_id: 'request-2',
      response: {
        status_code: 200,
        request_id: 'req_123',
        body: {
          id: 'chatcmpl-123',
          object: 'chat.completion',
          created: 1711652795,
          model: 'gpt-3.5-turbo-0125',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'Hello.' },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: {
            prompt_tokens: 22,
            completion_tokens: 2,
            total_tokens: 24,
            prompt_tokens_details: { cached_tokens: 8 },
          },
          system_fingerprint: 'fp_123',
        },
      },
      error: null,
    };
    const result = parseCompatibleLine(line, chat);
    expect(result).toMatchObject({
      customId: 'request-2',
      status: 'succeeded',
      output: { text: 'Hello.', finishReason: 'stop' },
      usage: { inputTokens: 22, outputTokens: 2, cachedTokens: 8 },
    });
  });

  it('reads an HTTP error line: the error sits in response.body, top-level error is null', () => {
    const line = {
      id: 'batch_req_x',
      custom_id: 'request-5',
      response: {
        status_code: 400,
        request_id: '0538a1',
        body: {
          error: {
            message: "This model's maximum context length is 8192 tokens",
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, chat)).toEqual({
      customId: 'request-5',
      status: 'failed',
      usage: null,
      error: {
        type: 'invalid_request',
        code: 'context_length_exceeded',
        message: "This model's maximum context length is 8192 tokens",
        retryable: false,
      },
    });
  });

  it('maps 429 and 5xx lines to retryable errors', () => {
    const at = (status: number) =>
      parseCompatibleLine(
        {
          custom_id: 'r',
          response: {
            status_code: status,
            body: { error: { message: 'x', type: 'server_error', code: null } },
          },
          error: null,
        },
        chat,
      );
    expect(at(429)).toMatchObject({ status: 'failed', error: { type: 'rate_limited', retryable: true } });
    expect(at(500)).toMatchObject({
      status: 'failed',
      error: { type: 'server_error', retryable: true, code: 'server_error' },
    });
    expect(at(503)).toMatchObject({ error: { type: 'server_error', retryable: true } });
  });

  it('reads an expiry line: response null, error batch_expired', () => {
    const line = {
      id: 'batch_req_123',
      custom_id: 'request-3',
      response: null,
      error: {
        code: 'batch_expired',
        message: 'This request could not be executed before the completion window expired.',
      },
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'expired', code: 'batch_expired', retryable: true },
    });
  });

  it('treats a content filter or a refusal as content_filtered, keeping usage', () => {
    const filtered = {
      custom_id: 'r',
      response: {
        status_code: 200,
        body: {
          choices: [{ message: { content: null }, finish_reason: 'content_filter' }],
          usage: { prompt_tokens: 3, completion_tokens: 0 },
        },
      },
    };
    expect(parseCompatibleLine(filtered, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'content_filtered', retryable: false },
      usage: { inputTokens: 3 },
    });
    const refusal = {
      custom_id: 'r',
      response: {
        status_code: 200,
        body: { choices: [{ message: { content: null, refusal: 'I cannot' }, finish_reason: 'stop' }] },
      },
    };
    expect(parseCompatibleLine(refusal, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'content_filtered', message: 'I cannot' },
    });
  });

  it('parses structured output and flags invalid JSON as invalid_output, usage still counted', () => {
    const withSchema: BatchContext = { ...chat, output: { name: 'o', schema: { type: 'object' } } };
    const line = (content: string) => ({
      custom_id: 'r',
      response: {
        status_code: 200,
        body: {
          choices: [{ message: { content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 4 },
        },
      },
    });
    expect(parseCompatibleLine(line('{"a":1}'), withSchema)).toMatchObject({
      status: 'succeeded',
      output: { json: { a: 1 } },
    });
    expect(parseCompatibleLine(line('{"a":'), withSchema)).toMatchObject({
      status: 'failed',
      error: { type: 'invalid_output', retryable: true },
      usage: { inputTokens: 5, outputTokens: 4 },
    });
  });

  it('reads an embedding line', () => {
    const line = {
      custom_id: 'e',
      response: {
        status_code: 200,
        body: {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2] }],
          usage: { prompt_tokens: 4, total_tokens: 4 },
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, { ...chat, kind: 'embedding' })).toMatchObject({
      status: 'succeeded',
      output: { embedding: Float32Array.of(0.1, -0.2) },
      usage: { inputTokens: 4, outputTokens: 0 },
    });
  });

  it('reads a base64 embedding as its float32 values, and fails one that is not whole float32s', () => {
    const values = [0.1, -0.25, 3.5e-7, -1];
    const bytes = Buffer.alloc(values.length * 4);
    for (const [i, v] of values.entries()) bytes.writeFloatLE(v, i * 4);
    const line = (embedding: unknown) => ({
      custom_id: 'e',
      response: {
        status_code: 200,
        body: {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding }],
          usage: { prompt_tokens: 4 },
        },
      },
      error: null,
    });
    const read = parseCompatibleLine(line(bytes.toString('base64')), { ...chat, kind: 'embedding' });
    expect(read.status === 'succeeded' && Array.from(read.output.embedding!)).toEqual(
      values.map(Math.fround),
    );
    expect(parseCompatibleLine(line('AAA='), { ...chat, kind: 'embedding' })).toMatchObject({
      status: 'failed',
      usage: { inputTokens: 4 },
      error: { type: 'invalid_output', code: 'invalid_embedding' },
    });
    expect(parseCompatibleLine(line([0.1, 'x']), { ...chat, kind: 'embedding' })).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_embedding', message: expect.stringContaining('element 1') },
    });
  });

  it('rejects a line without custom_id', () => {
    expect(() => parseCompatibleLine({ response: null }, chat)).toThrow(/custom_id/);
  });
});
