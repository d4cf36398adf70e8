import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { encodeMistralLine } from './encoder';

const chat: BatchContext = { jobId: 'j', model: 'mistral-small-latest', kind: 'chat' };

describe('encodeMistralLine', () => {
  it('writes {custom_id, body} with max_tokens and no model, method or url', () => {
    const line = encodeMistralLine(
      'r-1',
      {
        system: 'Be brief.',
        messages: [
          { role: 'user', content: 'What is the best French cheese?' },
          { role: 'assistant', content: 'Comté.' },
          { role: 'user', content: 'Why? 🧀' },
        ],
        params: { max_tokens: 100, temperature: 0.3, top_p: 0.9, stop: ['\n\n'] },
      },
      chat,
    );
    expect(JSON.parse(line)).toEqual({
      custom_id: 'r-1',
      body: {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'What is the best French cheese?' },
          { role: 'assistant', content: 'Comté.' },
          { role: 'user', content: 'Why? 🧀' },
        ],
        max_tokens: 100,
        temperature: 0.3,
        top_p: 0.9,
        stop: ['\n\n'],
      },
    });
    expect(line).not.toContain('\n');
  });

  it('asks for structured output with response_format json_schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const line = JSON.parse(
      encodeMistralLine(
        'r',
        { messages: [{ role: 'user', content: 'x' }] },
        { ...chat, output: { name: 'o', schema } },
      ),
    );
    expect(line.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'o', schema, strict: true },
    });
  });

  it('writes an embedding request as {input}', () => {
    const line = encodeMistralLine(
      'e',
      { text: 'hello' },
      { ...chat, model: 'mistral-embed', kind: 'embedding' },
    );
    expect(JSON.parse(line)).toEqual({ custom_id: 'e', body: { input: 'hello' } });
  });

  it('names the embedding size output_dimension', () => {
    const line = encodeMistralLine(
      'e',
      { text: 'hello', params: { dimensions: 512 } },
      { ...chat, model: 'codestral-embed', kind: 'embedding' },
    );
    expect(JSON.parse(line)).toEqual({ custom_id: 'e', body: { input: 'hello', output_dimension: 512 } });
  });
});
