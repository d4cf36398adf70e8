import { describe, expect, it } from 'vitest';
import { rowStatusError } from '../gemini-format/row-status';
import type { BatchContext } from '../types';
import { customIdLabels } from './custom-id-labels';
import { parseVertexLine } from './result-line';

const chat: BatchContext = { jobId: 'j', model: 'gemini-2.5-flash', kind: 'chat' };
const request = (id: string) => ({
  contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
  labels: customIdLabels(id),
});

// The success line of Google's batch prediction notebook (docs/providers/vertex.md#result-lines), with our
// labels in the echoed request.
const success = {
  status: '',
  processed_time: '2024-11-13T14:04:28.376+00:00',
  request: { ...request('r-1'), generationConfig: { temperature: 0.4 } },
  response: {
    candidates: [
      {
        avgLogprobs: -0.10394711927934126,
        content: { parts: [{ text: "Here's a list …" }], role: 'model' },
        finishReason: 'STOP',
      },
    ],
    modelVersion: 'gemini-3-flash-preview@default',
    usageMetadata: { candidatesTokenCount: 110, promptTokenCount: 264, totalTokenCount: 374 },
  },
};

describe('parseVertexLine (chat)', () => {
  it('reads a success line: text, finish reason, usage', () => {
    expect(parseVertexLine(success, chat)).toEqual({
      customId: 'r-1',
      status: 'succeeded',
      output: { text: "Here's a list …", finishReason: 'STOP' },
      usage: {
        inputTokens: 264,
        outputTokens: 110,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        raw: success.response.usageMetadata,
      },
    });
  });

  it('counts thinking as output, reports cached tokens and skips thought parts', () => {
    const line = {
      status: '',
      request: request('Ünï 🎉'),
      response: {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'plan…', thought: true }, { text: 'Answer' }] },
            finishReason: 'MAX_TOKENS',
          },
        ],
        usageMetadata: {
          promptTokenCount: 100,
          candidatesTokenCount: 5,
          thoughtsTokenCount: 20,
          cachedContentTokenCount: 64,
          totalTokenCount: 125,
        },
      },
    };
    expect(parseVertexLine(line, chat)).toMatchObject({
      customId: 'Ünï 🎉',
      status: 'succeeded',
      output: { text: 'Answer', finishReason: 'MAX_TOKENS' },
      usage: { inputTokens: 100, outputTokens: 25, cachedTokens: 64 },
    });
  });

  it('reads a failed row: non-empty status, no response', () => {
    const line = {
      status:
        'Bad Request: {"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}',
      processed_time: '2024-11-13T14:04:28.376+00:00',
      request: request('r-2'),
    };
    expect(parseVertexLine(line, chat)).toEqual({
      customId: 'r-2',
      status: 'failed',
      usage: null,
      error: {
        type: 'invalid_request',
        code: 'INVALID_ARGUMENT',
        message: 'Request contains an invalid argument.',
        retryable: false,
      },
    });
  });

  it('maps safety stops and blocked prompts to content_filtered, keeping usage', () => {
    const stopped = {
      status: '',
      request: request('s'),
      response: {
        candidates: [
          {
            finishReason: 'SAFETY',
            safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', blocked: true }],
          },
        ],
        usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
      },
    };
    expect(parseVertexLine(stopped, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'content_filtered', code: 'SAFETY', retryable: false },
      usage: { inputTokens: 7, outputTokens: 0 },
    });
    for (const reason of ['PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'RECITATION']) {
      const line = { ...stopped, response: { ...stopped.response, candidates: [{ finishReason: reason }] } };
      expect(parseVertexLine(line, chat)).toMatchObject({
        error: { type: 'content_filtered', code: reason },
      });
    }
    const blocked = {
      status: '',
      request: request('b'),
      response: {
        promptFeedback: { blockReason: 'PROHIBITED_CONTENT', blockReasonMessage: 'nope' },
        usageMetadata: { promptTokenCount: 3 },
      },
    };
    expect(parseVertexLine(blocked, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'content_filtered', code: 'PROHIBITED_CONTENT', message: 'nope' },
      usage: { inputTokens: 3 },
    });
  });

  it('parses structured output, and invalid JSON is a retryable invalid_output with usage', () => {
    const withSchema: BatchContext = { ...chat, output: { name: 'o', schema: { type: 'object' } } };
    const line = (text: string) => ({
      status: '',
      request: request('j'),
      response: {
        candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 4 },
      },
    });
    expect(parseVertexLine(line('{"a":1}'), withSchema)).toMatchObject({
      status: 'succeeded',
      output: { json: { a: 1 }, text: '{"a":1}' },
    });
    expect(parseVertexLine(line('{"a":'), withSchema)).toMatchObject({
      status: 'failed',
      error: { type: 'invalid_output', code: 'invalid_json', retryable: true },
      usage: { inputTokens: 5, outputTokens: 4 },
    });
  });

  it('rejects a line that carries no custom id', () => {
    expect(() => parseVertexLine({ status: '', request: { contents: [] }, response: {} }, chat)).toThrow(
      /custom id/,
    );
  });
});

describe('parseVertexLine (embeddings)', () => {
  const embedding: BatchContext = { ...chat, kind: 'embedding', model: 'text-embedding-005' };
  const predictions = [
    { embeddings: { statistics: { token_count: 8, truncated: false }, values: [0.2, -0.1] } },
  ];

  it('reads the documented line, with the id from instanceConfig.keyField (`key`) or the echoed instance', () => {
    expect(parseVertexLine({ key: 'e-1', predictions, status: '' }, embedding)).toEqual({
      customId: 'e-1',
      status: 'succeeded',
      output: { embedding: Float32Array.of(0.2, -0.1) },
      usage: {
        inputTokens: 8,
        outputTokens: 0,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        raw: { token_count: 8, truncated: false },
      },
    });
    const echoed = { instance: { content: 'Give…', custom_id: 'e-2' }, predictions, status: '' };
    expect(parseVertexLine(echoed, embedding)).toMatchObject({ customId: 'e-2', status: 'succeeded' });
  });

  it('reads a failed embedding row', () => {
    expect(parseVertexLine({ key: 'e-3', status: 'Internal error encountered.' }, embedding)).toMatchObject({
      customId: 'e-3',
      status: 'failed',
      error: { type: 'server_error', retryable: true },
    });
  });
});

describe('rowStatusError', () => {
  it('classifies embedded Google errors by code', () => {
    expect(
      rowStatusError(
        'Too Many Requests: {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}',
      ),
    ).toEqual({
      type: 'rate_limited',
      code: 'RESOURCE_EXHAUSTED',
      message: 'Quota exceeded',
      retryable: true,
    });
    expect(rowStatusError('{"error": {"code": 500, "message": "x", "status": "INTERNAL"}}')).toMatchObject({
      type: 'server_error',
      retryable: true,
    });
    expect(
      rowStatusError('Service Unavailable: {"error":{"code":503,"message":"y","status":"UNAVAILABLE"}}'),
    ).toMatchObject({
      type: 'server_error',
      code: 'UNAVAILABLE',
    });
  });

  it('classifies plain messages by their wording', () => {
    expect(rowStatusError('RESOURCE_EXHAUSTED: quota exceeded for model')).toMatchObject({
      type: 'rate_limited',
      code: 'RESOURCE_EXHAUSTED',
    });
    expect(rowStatusError('Error 429: rate limit')).toMatchObject({ type: 'rate_limited' });
    expect(rowStatusError('INTERNAL: backend error')).toMatchObject({
      type: 'server_error',
      retryable: true,
    });
    expect(rowStatusError('The request timed out')).toMatchObject({ type: 'server_error' });
    expect(rowStatusError('INVALID_ARGUMENT: contents is not specified')).toMatchObject({
      type: 'invalid_request',
      retryable: false,
    });
    expect(rowStatusError('Bad Request')).toMatchObject({ type: 'invalid_request' });
    expect(rowStatusError('The response was blocked: PROHIBITED_CONTENT')).toMatchObject({
      type: 'content_filtered',
      retryable: false,
    });
    expect(rowStatusError('something odd happened')).toEqual({
      type: 'unknown',
      code: null,
      message: 'something odd happened',
      retryable: true,
    });
  });
});
