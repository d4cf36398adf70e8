import { describe, expect, it } from 'vitest';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import type { BatchContext } from '../types';

const chat: BatchContext = { jobId: 'j', model: 'ministral-3b-latest', kind: 'chat' };

// Mistral's result-file lines, as documented and as seen live (docs/providers/mistral.md#result-lines).
describe('parseCompatibleLine on Mistral lines', () => {
  it('reads the documented success line', () => {
    const line = {
      id: 'batch-cd0da3ab-1-377e2e82-7cbb-4f72-bc67-533512f70955',
      custom_id: '0',
      response: {
        status_code: 200,
        body: {
          id: '85bcfa450e5643f2a2aed46472d97ffd',
          object: 'chat.completion',
          model: 'ministral-3b-latest',
          usage: { prompt_tokens: 10, completion_tokens: 128, total_tokens: 138 },
          created: 1761577934,
          choices: [
            {
              index: 0,
              finish_reason: 'length',
              message: { role: 'assistant', content: 'Le Comté… 🧀', tool_calls: null },
            },
          ],
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, chat)).toEqual({
      customId: '0',
      status: 'succeeded',
      output: { text: 'Le Comté… 🧀', finishReason: 'length' },
      usage: {
        inputTokens: 10,
        outputTokens: 128,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        raw: { prompt_tokens: 10, completion_tokens: 128, total_tokens: 138 },
      },
    });
  });

  it('reads cached tokens when the usage has them (seen live: prompt_tokens_details.cached_tokens)', () => {
    const line = {
      custom_id: 'c',
      response: {
        status_code: 200,
        body: {
          choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 20, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 16 } },
        },
      },
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({ usage: { cachedTokens: 16 } });
  });

  it('reads the error line seen live: the body is the error object as a JSON string', () => {
    const body = JSON.stringify({
      object: 'error',
      message: "File could not be fetched from url 'https://example.com/x.png'",
      type: 'invalid_request_file',
      param: null,
      code: '3310',
      raw_status_code: 400,
    });
    const line = { id: 'batch-1-2-3', custom_id: 'img', response: { status_code: 400, body }, error: null };
    expect(parseCompatibleLine(line, chat)).toEqual({
      customId: 'img',
      status: 'failed',
      usage: null,
      error: {
        type: 'invalid_request',
        code: '3310',
        message: "File could not be fetched from url 'https://example.com/x.png'",
        retryable: false,
      },
    });
  });

  it('keeps a body string that is not JSON as the message', () => {
    const line = { custom_id: 'r', response: { status_code: 502, body: 'Bad Gateway' }, error: null };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'server_error', message: 'Bad Gateway', retryable: true },
    });
  });

  it('reads the OpenAI-like envelope: response.status_code >= 400 and body.error', () => {
    const line = {
      custom_id: 'r',
      response: {
        status_code: 429,
        body: { error: { message: 'Rate limit exceeded', type: 'rate_limited', code: '1300' } },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'rate_limited', code: '1300', retryable: true },
    });
  });

  it('reads a body that is the error object itself, with an object message (a 422)', () => {
    const line = {
      custom_id: 'r',
      response: {
        status_code: 422,
        body: {
          object: 'error',
          message: { detail: [{ msg: 'bad' }] },
          type: 'invalid_request_error',
          code: null,
        },
      },
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      error: {
        type: 'invalid_request',
        code: 'invalid_request_error',
        message: '{"detail":[{"msg":"bad"}]}',
      },
    });
  });

  it('reads a top-level error with raw_status_code, response absent or null', () => {
    const error = {
      message: 'Internal server error',
      type: 'internal_server_error',
      code: null,
      raw_status_code: 500,
    };
    for (const line of [
      { custom_id: 'r', error },
      { custom_id: 'r', response: null, error },
    ]) {
      expect(parseCompatibleLine(line, chat)).toMatchObject({
        status: 'failed',
        usage: null,
        error: { type: 'server_error', message: 'Internal server error', retryable: true },
      });
    }
    const invalid = { custom_id: 'r', error: { ...error, raw_status_code: 400, code: '3051' } };
    expect(parseCompatibleLine(invalid, chat)).toMatchObject({
      error: { type: 'invalid_request', code: '3051', retryable: false },
    });
  });

  it('reads a bare top-level {message, code} as unknown and retryable', () => {
    const line = { custom_id: 'r', response: null, error: { message: 'Something failed', code: '9999' } };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'unknown', code: '9999', message: 'Something failed', retryable: true },
    });
  });

  it('reads an embedding line (completion_tokens 0)', () => {
    const line = {
      id: 'batch-x',
      custom_id: 'e',
      response: {
        status_code: 200,
        body: {
          id: 'e1',
          object: 'list',
          data: [{ object: 'embedding', embedding: [0.5, -0.5], index: 0 }],
          model: 'mistral-embed',
          usage: { prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 },
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, { ...chat, kind: 'embedding' })).toMatchObject({
      status: 'succeeded',
      output: { embedding: Float32Array.of(0.5, -0.5) },
      usage: { inputTokens: 3, outputTokens: 0 },
    });
  });
});
