import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { pollResult } from './job-state';
import { lineCustomId, parseGeminiLine } from './result-line';

const chat: BatchContext = { jobId: 'job-1', model: 'gemini-2.0-flash', kind: 'chat' };
const embedding: BatchContext = { jobId: 'job-1', model: 'gemini-embedding-001', kind: 'embedding' };

describe('gemini result lines', () => {
  it('reads a success line of the responses file (as observed)', () => {
    const line = {
      response: {
        candidates: [
          { content: { parts: [{ text: 'Photosynthesis is…' }], role: 'model' }, finishReason: 'STOP' },
        ],
        usageMetadata: {
          promptTokenCount: 5,
          candidatesTokenCount: 1373,
          thoughtsTokenCount: 1582,
          totalTokenCount: 2960,
        },
        modelVersion: 'gemini-2.0-flash',
        responseId: 'abc',
      },
      key: 'gemini-sample-0',
    };
    expect(parseGeminiLine(line, chat)).toMatchObject({
      customId: 'gemini-sample-0',
      status: 'succeeded',
      output: { text: 'Photosynthesis is…', finishReason: 'STOP' },
      usage: { inputTokens: 5, outputTokens: 1373 + 1582, cachedTokens: 0 },
    });
  });

  it('reads an inline response by its metadata.key', () => {
    const item = {
      metadata: { key: 'request-2' },
      response: {
        candidates: [{ content: { parts: [{ text: '{"a":"x"}' }], role: 'model' }, finishReason: 'STOP' }],
      },
    };
    expect(lineCustomId(item)).toBe('request-2');
    expect(parseGeminiLine(item, { ...chat, output: { name: 'o', schema: {} } })).toMatchObject({
      customId: 'request-2',
      status: 'succeeded',
      output: { json: { a: 'x' } },
    });
  });

  it('reads an error row as a google.rpc.Status, with an HTTP or an rpc code', () => {
    expect(
      parseGeminiLine({ key: 'k', error: { code: 429, message: 'Resource exhausted' } }, chat),
    ).toMatchObject({
      customId: 'k',
      status: 'failed',
      error: { type: 'rate_limited', code: '429', retryable: true },
    });
    expect(
      parseGeminiLine({ key: 'k', error: { code: 8, message: 'Resource exhausted' } }, chat),
    ).toMatchObject({
      error: { type: 'rate_limited', code: 'RESOURCE_EXHAUSTED', retryable: true },
    });
    expect(parseGeminiLine({ key: 'k', error: { code: 3, message: 'Invalid value' } }, chat)).toMatchObject({
      error: { type: 'invalid_request', code: 'INVALID_ARGUMENT', retryable: false },
    });
    expect(
      parseGeminiLine({ metadata: { key: 'i' }, error: { code: 13, message: 'Internal error' } }, chat),
    ).toMatchObject({ customId: 'i', error: { type: 'server_error', code: 'INTERNAL' } });
  });

  it('reads a blocked prompt (no candidates) as content_filtered', () => {
    const line = { key: 'b', response: { promptFeedback: { blockReason: 'SAFETY' } } };
    expect(parseGeminiLine(line, chat)).toMatchObject({
      status: 'failed',
      error: { type: 'content_filtered', code: 'SAFETY' },
    });
  });

  it('reads an embedding line (values, and a tokenCount when present)', () => {
    const result = parseGeminiLine(
      { key: 'e', response: { embedding: { values: [0.5, -0.25] }, tokenCount: '3' } },
      embedding,
    );
    expect(result).toMatchObject({ customId: 'e', status: 'succeeded', usage: { inputTokens: 3 } });
    expect(result.status === 'succeeded' && [...result.output.embedding!]).toEqual([0.5, -0.25]);
    expect(parseGeminiLine({ key: 'e', response: {} }, embedding)).toMatchObject({ status: 'failed' });
  });

  it('refuses a line without a key', () => {
    expect(() => parseGeminiLine({ response: {} }, chat)).toThrow(/no key/);
  });
});

describe('gemini batch operations', () => {
  it('maps the captured create answer: pending, counts as int64 strings', () => {
    const op = {
      name: 'batches/4m855v7q30kc7gtzcigdg9m72o87s08w33vp',
      metadata: {
        '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch',
        model: 'models/gemini-2.5-flash',
        displayName: 'test-batch-job',
        batchStats: { requestCount: '3', pendingRequestCount: '3' },
        state: 'BATCH_STATE_PENDING',
        name: 'batches/4m855v7q30kc7gtzcigdg9m72o87s08w33vp',
      },
    };
    expect(pollResult(op)).toEqual({
      phase: 'validating',
      outcome: undefined,
      providerStatus: 'BATCH_STATE_PENDING',
      counts: { total: 3, completed: 0, failed: 0 },
      outputFileId: null,
      errorFileId: null,
    });
  });

  it('maps a succeeded batch, its responses file under response (or metadata.output)', () => {
    const metadata = {
      state: 'BATCH_STATE_SUCCEEDED',
      batchStats: { requestCount: '3', successfulRequestCount: '2', failedRequestCount: '1' },
      output: { responsesFile: 'files/batch-abc' },
    };
    expect(
      pollResult({ name: 'batches/x', done: true, metadata, response: { responsesFile: 'files/batch-abc' } }),
    ).toMatchObject({
      phase: 'ended',
      outcome: 'completed',
      counts: { total: 3, completed: 2, failed: 1 },
      outputFileId: 'files/batch-abc',
    });
    expect(pollResult({ name: 'batches/x', metadata })).toMatchObject({ outputFileId: 'files/batch-abc' });
  });

  it('maps every BATCH_STATE_* the API returns', () => {
    const phase = (state: string) => pollResult({ metadata: { state } });
    expect(phase('BATCH_STATE_RUNNING')).toMatchObject({ phase: 'running', outcome: undefined });
    expect(phase('BATCH_STATE_CANCELLED')).toMatchObject({ phase: 'ended', outcome: 'cancelled' });
    expect(phase('BATCH_STATE_EXPIRED')).toMatchObject({ phase: 'ended', outcome: 'expired' });
    expect(phase('BATCH_STATE_UNSPECIFIED')).toMatchObject({ phase: 'running' });
  });

  it('gives a failed batch its operation error', () => {
    const op = {
      metadata: { state: 'BATCH_STATE_FAILED' },
      done: true,
      error: { code: 3, message: "Error on line 2: invalid JSON, no such field: 'thinking_config'" },
    };
    expect(pollResult(op)).toMatchObject({
      outcome: 'failed',
      failures: [{ code: 'INVALID_ARGUMENT', line: 2 }],
    });
  });
});
