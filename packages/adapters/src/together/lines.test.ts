import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { encodeTogetherLine } from './encoder';
import { pollResult } from './job-status';
import { parseTogetherLine } from './result-line';

const chat: BatchContext = { jobId: 'job-1', model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', kind: 'chat' };

describe('Together request lines', () => {
  it('writes the batch tutorial’s line: custom_id and the chat body, model included, no method or url', () => {
    const line = encodeTogetherLine(
      'request-1',
      { messages: [{ role: 'user', content: 'Hello, world!' }], params: { max_tokens: 200 } },
      chat,
    );
    expect(JSON.parse(line)).toEqual({
      custom_id: 'request-1',
      body: {
        model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
        messages: [{ role: 'user', content: 'Hello, world!' }],
        max_tokens: 200,
      },
    });
  });

  it('refuses an embedding request: Together’s batches have no embeddings endpoint', () => {
    expect(() =>
      encodeTogetherLine('e-1', { text: 'x' }, { jobId: 'j', model: 'm', kind: 'embedding' }),
    ).toThrow(/only chat/);
  });
});

describe('Together result lines', () => {
  it('reads an output line (`response.status_code` 200 and a chat completion)', () => {
    const result = parseTogetherLine(
      {
        custom_id: 'request-1',
        response: {
          status_code: 200,
          body: {
            id: 'nz7KyaB-3NKUce-9a7c2b1f0a',
            object: 'chat.completion',
            created: 1_760_000_000,
            model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
            prompt: [],
            choices: [
              {
                index: 0,
                finish_reason: 'stop',
                logprobs: null,
                message: { role: 'assistant', content: 'Hello! How can I help?', tool_calls: [] },
              },
            ],
            usage: { prompt_tokens: 40, completion_tokens: 7, total_tokens: 47 },
          },
        },
      },
      chat,
    );
    expect(result).toMatchObject({
      customId: 'request-1',
      status: 'succeeded',
      output: { text: 'Hello! How can I help?', finishReason: 'stop' },
      usage: { inputTokens: 40, outputTokens: 7, cachedTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('reads cached prompt tokens beside the counts, or in OpenAI’s prompt_tokens_details', () => {
    const line = (usage: Record<string, unknown>) => ({
      custom_id: 'c',
      response: {
        status_code: 200,
        body: { choices: [{ finish_reason: 'stop', message: { content: 'ok' } }], usage },
      },
    });
    const top = parseTogetherLine(
      line({ prompt_tokens: 100, completion_tokens: 2, total_tokens: 102, cached_tokens: 60 }),
      chat,
    );
    const nested = parseTogetherLine(
      line({ prompt_tokens: 100, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 30 } }),
      chat,
    );
    expect(top.usage).toMatchObject({ inputTokens: 100, cachedTokens: 60 });
    expect(nested.usage).toMatchObject({ inputTokens: 100, cachedTokens: 30 });
  });

  it('fails the request of the guide’s error line (`invalid_model`) for good: sending it again cannot help', () => {
    const result = parseTogetherLine(
      { custom_id: 'req-1', error: { message: 'Invalid model specified', code: 'invalid_model' } },
      chat,
    );
    expect(result).toEqual({
      customId: 'req-1',
      status: 'failed',
      usage: null,
      error: {
        type: 'invalid_request',
        code: 'invalid_model',
        message: 'Invalid model specified',
        retryable: false,
      },
    });
  });

  it('retries a request that timed out, was rate limited or met a server error, and one whose code it does not know', () => {
    const failure = (code: string) =>
      parseTogetherLine({ custom_id: 'r', error: { message: 'm', code } }, chat) as {
        error: { type: string; retryable: boolean };
      };
    expect(failure('timeout').error).toMatchObject({ type: 'server_error', retryable: true });
    expect(failure('internal_error').error).toMatchObject({ type: 'server_error', retryable: true });
    expect(failure('rate_limit_exceeded').error).toMatchObject({ type: 'rate_limited', retryable: true });
    expect(failure('something_new').error).toMatchObject({ type: 'unknown', retryable: true });
  });

  it('reads a failed request in OpenAI’s `response` shape by its status', () => {
    const result = parseTogetherLine(
      {
        custom_id: 'r',
        response: { status_code: 400, body: { error: { message: 'bad', code: 'invalid_request_error' } } },
      },
      chat,
    );
    expect(result).toMatchObject({ status: 'failed', error: { type: 'invalid_request', retryable: false } });
  });

  it('throws on a line without custom_id, for the result reader to report', () => {
    expect(() => parseTogetherLine({ error: { message: 'm', code: 'invalid_model' } }, chat)).toThrow();
  });
});

describe('Together batch statuses', () => {
  it.each([
    ['VALIDATING', 'validating', undefined],
    ['IN_PROGRESS', 'running', undefined],
    ['COMPLETED', 'ended', 'completed'],
    ['FAILED', 'ended', 'failed'],
    ['EXPIRED', 'ended', 'expired'],
    ['CANCELLED', 'ended', 'cancelled'],
    ['SOMETHING_NEW', 'running', undefined],
  ])('%s is %s', (status, phase, outcome) => {
    expect(pollResult({ status, progress: 40 })).toMatchObject({
      phase,
      outcome,
      providerStatus: status,
      counts: { total: 0, completed: 0, failed: 0 },
    });
  });

  it('gives a failed batch’s error as the reason, and the file ids as given', () => {
    expect(
      pollResult({
        status: 'FAILED',
        error: 'Model deepseek-ai/DeepSeek-R1 is not available for batch',
        output_file_id: '',
        error_file_id: 'file-e',
      }),
    ).toMatchObject({
      outputFileId: null,
      errorFileId: 'file-e',
      failures: [
        { code: 'batch_failed', message: 'Model deepseek-ai/DeepSeek-R1 is not available for batch' },
      ],
    });
  });
});
