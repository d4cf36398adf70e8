import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../types';
import { DEFAULT_MAX_TOKENS, messageParams } from './request-params';

const chat: BatchContext = { jobId: 'j', model: 'claude-sonnet-4-6', kind: 'chat' };

describe('messageParams', () => {
  it('puts the system prompt in params.system and defaults max_tokens, which Anthropic requires', () => {
    expect(messageParams({ system: 'Be terse.', messages: [{ role: 'user', content: 'Hi' }] }, chat)).toEqual(
      {
        model: 'claude-sonnet-4-6',
        max_tokens: DEFAULT_MAX_TOKENS,
        system: 'Be terse.',
        messages: [{ role: 'user', content: 'Hi' }],
      },
    );
    expect(DEFAULT_MAX_TOKENS).toBe(1024);
    expect(messageParams({ messages: [{ role: 'user', content: 'Hi' }] }, chat, 77)).toMatchObject({
      max_tokens: 77,
    });
  });

  it('maps max_tokens, stop (→ stop_sequences), temperature and top_p', () => {
    const params = messageParams(
      {
        messages: [{ role: 'user', content: 'Hi' }],
        params: { max_tokens: 5, stop: ['END'], temperature: 0.3, top_p: 0.8 },
      },
      chat,
    );
    expect(params).toMatchObject({ max_tokens: 5, stop_sequences: ['END'], temperature: 0.3, top_p: 0.8 });
    expect(messageParams({ messages: [], params: { stop: [] } }, chat)).not.toHaveProperty('stop_sequences');
  });

  it('moves opening system messages into params.system and keeps the conversation in order', () => {
    const params = messageParams(
      {
        system: 'First.',
        messages: [
          { role: 'system', content: 'Second.' },
          { role: 'user', content: 'Q1' },
          { role: 'assistant', content: 'A1' },
          { role: 'system', content: 'Later.' },
          { role: 'user', content: 'Q2' },
        ],
      },
      chat,
    );
    expect(params.system).toBe('First.\n\nSecond.');
    expect(params.messages).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'system', content: 'Later.' },
      { role: 'user', content: 'Q2' },
    ]);
  });

  it('asks for structured output as a forced tool call with the schema as input_schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const params = messageParams(
      { messages: [{ role: 'user', content: 'x' }] },
      { ...chat, output: { name: 'answer', schema } },
    );
    expect(params.tools).toEqual([{ name: 'answer', description: expect.any(String), input_schema: schema }]);
    expect(params.tool_choice).toEqual({ type: 'tool', name: 'answer' });
  });
});
