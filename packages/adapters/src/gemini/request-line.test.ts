import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { geminiDescriptor } from './descriptor';
import { geminiLine } from './encoder';

const chat: BatchContext = { jobId: 'job-1', model: 'gemini-2.5-flash', kind: 'chat' };
const embedding: BatchContext = { jobId: 'job-1', model: 'gemini-embedding-001', kind: 'embedding' };

describe('gemini request lines', () => {
  it('writes the batch guide’s {key, request} line, config nested under generationConfig', () => {
    // The guide: {"key": "request-1", "request": {"contents": [{"parts": [{"text": "…"}]}], "generation_config": {"temperature": 0.7}}}
    const line = geminiLine(
      'request-1',
      { messages: [{ role: 'user', content: 'Describe photosynthesis.' }], params: { temperature: 0.7 } },
      chat,
    );
    expect(line).toEqual({
      key: 'request-1',
      request: {
        contents: [{ role: 'user', parts: [{ text: 'Describe photosynthesis.' }] }],
        generationConfig: { temperature: 0.7 },
      },
    });
  });

  it('never sends labels (the API refuses unknown fields in a batch file)', () => {
    const line = geminiLine('Mixed/Case id+1', { messages: [{ role: 'user', content: 'Hi' }] }, chat);
    expect(JSON.stringify(line)).not.toContain('labels');
    expect(line.key).toBe('Mixed/Case id+1');
  });

  it('asks for structured output through responseJsonSchema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const line = geminiLine(
      'r',
      { messages: [{ role: 'user', content: 'Hi' }] },
      {
        ...chat,
        output: { name: 'answer', schema },
      },
    );
    expect((line.request as { generationConfig: unknown }).generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it('writes the embedding line seen live: content parts, outputDimensionality per request', () => {
    // {"key": "k", "request": {"content": {"parts": [{"text": "…"}]}, "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 768}}
    expect(geminiLine('k', { text: 'vector me', params: { dimensions: 768 } }, embedding)).toEqual({
      key: 'k',
      request: { content: { parts: [{ text: 'vector me' }] }, outputDimensionality: 768 },
    });
    expect(geminiLine('k', { text: 'vector me' }, embedding)).toEqual({
      key: 'k',
      request: { content: { parts: [{ text: 'vector me' }] } },
    });
    expect(geminiDescriptor.embeddingSize).toBe('request');
  });

  it('encodes one line with no trailing newline', () => {
    const line = geminiDescriptor.encoder.encodeLine(
      'a',
      { messages: [{ role: 'user', content: 'x' }] },
      chat,
    );
    expect(line.endsWith('\n')).toBe(false);
    expect(JSON.parse(line)).toMatchObject({ key: 'a' });
  });
});
