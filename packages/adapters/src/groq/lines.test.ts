import { describe, expect, it } from 'vitest';
import { batchFailures } from '../openai/transport';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import type { BatchContext } from '../types';
import { groqEncoder } from './encoder';

const chat: BatchContext = { jobId: 'j', model: 'llama-3.1-8b-instant', kind: 'chat' };

// Request lines, result lines and batch objects as Groq's batch guide shows them (docs/providers/groq.md#sources).
describe('groq request lines', () => {
  it("writes the guide's chat line: POST /v1/chat/completions, the model and the system prompt in the body", () => {
    const line = groqEncoder.encodeLine(
      'request-1',
      { system: 'You are a helpful assistant.', messages: [{ role: 'user', content: 'What is 2+2?' }] },
      chat,
    );
    expect(JSON.parse(line)).toEqual({
      custom_id: 'request-1',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'llama-3.1-8b-instant',
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'What is 2+2?' },
        ],
      },
    });
  });

  it('sends an output limit as max_completion_tokens, which replaced max_tokens in Groq’s chat API', () => {
    const line = groqEncoder.encodeLine(
      'quantum-1',
      { messages: [{ role: 'user', content: 'What is quantum computing?' }], params: { max_tokens: 64 } },
      chat,
    );
    const { body } = JSON.parse(line) as { body: Record<string, unknown> };
    expect(body.max_completion_tokens).toBe(64);
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('refuses embeddings, which Groq batches do not run', () => {
    expect(() =>
      groqEncoder.encodeLine('e-1', { text: 'x' }, { jobId: 'j', model: 'emb', kind: 'embedding' }),
    ).toThrow(/chat only/);
  });
});

describe('groq result lines', () => {
  it("reads the guide's output line: a batch request id, a request id, usage, and no finish_reason", () => {
    const line = {
      id: 'batch_req_123',
      custom_id: 'my-request-1',
      response: {
        status_code: 200,
        request_id: 'req_abc',
        body: {
          id: 'completion_xyz',
          model: 'llama-3.1-8b-instant',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' } }],
          usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
        },
      },
      error: null,
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      customId: 'my-request-1',
      status: 'succeeded',
      output: { text: 'Hello!' },
      usage: { inputTokens: 20, outputTokens: 5, cachedTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('reads an error-file line for a request the window left undone as expired', () => {
    // The guide says failed and expired requests go to the error file, without showing its lines: OpenAI's shape.
    const line = {
      id: 'batch_req_456',
      custom_id: 'my-request-2',
      response: null,
      error: {
        code: 'batch_expired',
        message: 'This request could not be executed before the completion window expired.',
      },
    };
    expect(parseCompatibleLine(line, chat)).toMatchObject({
      customId: 'my-request-2',
      status: 'failed',
      error: { type: 'expired', code: 'batch_expired' },
    });
  });
});

describe('groq batch errors', () => {
  const blamed = {
    code: 'invalid_method',
    message: "Invalid value: 'GET'. Supported values are: 'POST'",
    line: 4,
  };

  it("reads the guide's errors, a bare array", () => {
    expect(
      batchFailures([
        {
          code: 'invalid_method',
          message: "Invalid value: 'GET'. Supported values are: 'POST'",
          param: 'method',
          line: 4,
        },
      ]),
    ).toEqual([blamed]);
  });

  it('reads the API reference’s errors, a list object, and none', () => {
    expect(
      batchFailures({
        object: 'list',
        data: [{ ...blamed, param: 'method' }, { code: 'empty_file' }],
      }),
    ).toEqual([blamed, { code: 'empty_file', message: '', line: null }]);
    expect(batchFailures(null)).toBeUndefined();
    expect(batchFailures(undefined)).toBeUndefined();
  });
});
