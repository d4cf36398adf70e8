import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { customIdFromLabels, customIdLabels } from './custom-id-labels';
import { vertexLine } from './encoder';

const chat: BatchContext = { jobId: 'j', model: 'gemini-2.5-flash', kind: 'chat' };

describe('vertexLine', () => {
  it('encodes a chat request as a GenerateContentRequest with the id in labels', () => {
    const line = vertexLine(
      'req-1',
      {
        system: 'You are terse.',
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Salut' },
          { role: 'user', content: 'Capital of France? 🇫🇷' },
        ],
        params: { max_tokens: 50, temperature: 0.2, top_p: 0.9, stop: ['END'] },
      },
      chat,
    );
    expect(line).toEqual({
      request: {
        contents: [
          { role: 'user', parts: [{ text: 'Hi' }] },
          { role: 'model', parts: [{ text: 'Salut' }] },
          { role: 'user', parts: [{ text: 'Capital of France? 🇫🇷' }] },
        ],
        systemInstruction: { parts: [{ text: 'You are terse.\n\nAnswer in French.' }] },
        generationConfig: { maxOutputTokens: 50, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
        labels: { custom_id: 'req-1' },
      },
    });
  });

  it('asks for JSON with the schema as responseJsonSchema', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] };
    const line = vertexLine(
      'r',
      { messages: [{ role: 'user', content: 'x' }] },
      { ...chat, output: { name: 'o', schema } },
    );
    expect((line.request as Record<string, unknown>).generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it('leaves out what is not set, and copes with an empty request (the worker sizes lines with one)', () => {
    expect(vertexLine('r', {}, chat)).toEqual({ request: { contents: [], labels: { custom_id: 'r' } } });
  });

  it('encodes an embedding instance with the id in the key field', () => {
    expect(vertexLine('Emb 1', { text: 'hello 🎉' }, { ...chat, kind: 'embedding' })).toEqual({
      custom_id: 'Emb 1',
      content: 'hello 🎉',
    });
  });
});

describe('custom id labels', () => {
  it('keeps label-safe ids as they are and round-trips every other id through base32 pieces', () => {
    expect(customIdLabels('abc_1-2')).toEqual({ custom_id: 'abc_1-2' });
    for (const id of ['ABC', 'a b', 'ünïcødé 🎉', 'x'.repeat(64), '', 'a/b:c', 'Ω'.repeat(300)]) {
      const labels = customIdLabels(id);
      for (const [key, value] of Object.entries(labels)) {
        expect(key).toMatch(/^custom_id_\d+$/);
        expect(value).toMatch(/^[a-z2-7]{0,63}$/);
      }
      expect(customIdFromLabels(labels)).toBe(id);
    }
    expect(Object.keys(customIdLabels('Ω'.repeat(300)))).toHaveLength(16);
  });

  it('finds no id in labels without one', () => {
    expect(customIdFromLabels(undefined)).toBeNull();
    expect(customIdFromLabels({ other: 'x' })).toBeNull();
  });
});
