import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { parseResult } from './parse-result';

const chat: BatchContext = { jobId: 'j', model: 'claude-opus-4-7', kind: 'chat' };
const structured: BatchContext = {
  ...chat,
  output: {
    name: 'answer',
    schema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] },
  },
};
// The documented lines lack fields newer SDK types add; the parser must not need them.
const line = (value: unknown) => value as MessageBatchIndividualResponse;

const succeeded = (message: Record<string, unknown>) =>
  line({
    custom_id: 'my-second-request',
    result: {
      type: 'succeeded',
      message: {
        id: 'msg_014VwiXbi91y3JMjcpyGBHX5',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-4-7',
        content: [{ type: 'text', text: 'Hello again!' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 11, output_tokens: 36 },
        ...message,
      },
    },
  });

// The result shapes of Anthropic's batch docs (docs/providers/anthropic.md#result-lines), verbatim where they
// give them.
describe('parseResult', () => {
  it('reads a succeeded line: text blocks, stop reason and usage', () => {
    expect(parseResult(succeeded({}), chat)).toEqual({
      customId: 'my-second-request',
      status: 'succeeded',
      output: { text: 'Hello again!', finishReason: 'end_turn' },
      usage: {
        inputTokens: 11,
        outputTokens: 36,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        raw: { input_tokens: 11, output_tokens: 36 },
      },
    });
  });

  it('joins text blocks, skips others, and counts cache reads as cached tokens', () => {
    const usage = {
      input_tokens: 5,
      output_tokens: 7,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 40,
      service_tier: 'batch',
    };
    const result = parseResult(
      succeeded({
        content: [
          { type: 'thinking', thinking: '…', signature: 's' },
          { type: 'text', text: 'Hello, ' },
          { type: 'text', text: 'world 🌍' },
        ],
        stop_reason: 'max_tokens',
        usage,
      }),
      chat,
    );
    expect(result).toEqual({
      customId: 'my-second-request',
      status: 'succeeded',
      output: { text: 'Hello, world 🌍', finishReason: 'max_tokens' },
      usage: {
        inputTokens: 5 + 40 + 100,
        outputTokens: 7,
        cachedTokens: 40,
        cacheWriteTokens: 100,
        raw: usage,
      },
    });
  });

  it('treats a refusal as content_filtered, usage kept', () => {
    const result = parseResult(
      succeeded({
        content: [],
        stop_reason: 'refusal',
        stop_details: { type: 'refusal', category: 'cyber', explanation: 'Could enable harm.' },
      }),
      chat,
    );
    expect(result).toEqual({
      customId: 'my-second-request',
      status: 'failed',
      usage: expect.objectContaining({ inputTokens: 11, outputTokens: 36 }),
      error: { type: 'content_filtered', code: 'refusal', message: 'Could enable harm.', retryable: false },
    });
  });

  it('takes structured output from the forced tool call, as json and as text', () => {
    const result = parseResult(
      succeeded({
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'answer', input: { a: 1 } }],
        stop_reason: 'tool_use',
      }),
      structured,
    );
    expect(result).toMatchObject({
      status: 'succeeded',
      output: { json: { a: 1 }, text: '{"a":1}', finishReason: 'tool_use' },
      usage: { inputTokens: 11 },
    });
  });

  it('hands on a tool input that misses required fields (the worker validates it) and fails one that is missing', () => {
    const missingField = parseResult(
      succeeded({
        content: [{ type: 'tool_use', id: 't', name: 'answer', input: {} }],
        stop_reason: 'tool_use',
      }),
      structured,
    );
    expect(missingField).toMatchObject({ status: 'succeeded', output: { json: {} } });
    expect(parseResult(succeeded({}), structured)).toEqual({
      customId: 'my-second-request',
      status: 'failed',
      usage: expect.objectContaining({ outputTokens: 36 }),
      error: {
        type: 'invalid_output',
        code: 'missing_tool_use',
        message: expect.any(String),
        retryable: true,
      },
    });
    const asText = parseResult(succeeded({ content: [{ type: 'text', text: '{"a":2}' }] }), structured);
    expect(asText).toMatchObject({ status: 'succeeded', output: { json: { a: 2 } } });
  });

  it('reads errored lines from result.error.error.type: invalid requests are final, transient ones retryable', () => {
    const errored = (type: string, message = 'why') => {
      const result = parseResult(
        line({
          custom_id: 'r2',
          result: { type: 'errored', error: { type: 'error', error: { type, message }, request_id: null } },
        }),
        chat,
      );
      if (result.status !== 'failed') throw new Error(`${type} did not fail`);
      return result;
    };
    expect(errored('invalid_request_error', 'max_tokens: Field required')).toEqual({
      customId: 'r2',
      status: 'failed',
      usage: null,
      error: {
        type: 'invalid_request',
        code: 'invalid_request_error',
        message: 'max_tokens: Field required',
        retryable: false,
      },
    });
    for (const type of ['overloaded_error', 'api_error', 'timeout_error']) {
      expect(errored(type).error).toMatchObject({ type: 'server_error', code: type, retryable: true });
    }
    expect(errored('rate_limit_error').error).toMatchObject({ type: 'rate_limited', retryable: true });
    for (const type of ['authentication_error', 'permission_error', 'not_found_error', 'billing_error']) {
      expect(errored(type).error).toMatchObject({ type: 'invalid_request', retryable: false });
    }
    expect(errored('brand_new_error').error).toMatchObject({ type: 'unknown', retryable: true });
  });

  it('reads canceled (final) and expired (retryable) lines', () => {
    expect(parseResult(line({ custom_id: 'r3', result: { type: 'canceled' } }), chat)).toEqual({
      customId: 'r3',
      status: 'failed',
      usage: null,
      error: { type: 'cancelled', code: 'canceled', message: expect.any(String), retryable: false },
    });
    expect(parseResult(line({ custom_id: 'r4', result: { type: 'expired' } }), chat)).toEqual({
      customId: 'r4',
      status: 'failed',
      usage: null,
      error: { type: 'expired', code: 'expired', message: expect.any(String), retryable: true },
    });
  });

  it('survives an unknown result type and rejects a line without custom_id', () => {
    expect(parseResult(line({ custom_id: 'r5', result: { type: 'paused' } }), chat)).toMatchObject({
      status: 'failed',
      error: { type: 'unknown' },
    });
    expect(() => parseResult(line({ result: { type: 'expired' } }), chat)).toThrow(/custom_id/);
  });
});
