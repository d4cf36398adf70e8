import { describe, expect, it } from 'vitest';
import { embeddingModelSize } from './embedding-models';
import { sha256 } from './hash';
import {
  base64Vector,
  countPromptTokens,
  countTokens,
  echoText,
  embeddingVector,
  generateReply,
} from './model';

/** With the u flag a surrogate class only matches lone surrogates. */
const wellFormed = (text: string) => !/[\uD800-\uDFFF]/u.test(text);

const messages = [
  { role: 'system', text: 'Be brief.' },
  { role: 'user', text: 'What is the capital of France?' },
];

describe('deterministic model', () => {
  it('counts ceil(utf8 bytes / 4) over all messages', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('abcd')).toBe(1);
    expect(countTokens('abcde')).toBe(2);
    expect(countTokens('👋')).toBe(1);
    expect(countTokens('é')).toBe(1);
    expect(countPromptTokens(messages)).toBe(Math.ceil((9 + 30) / 4));
  });

  it('echoes a hash of the prompt and the start of the last user message', () => {
    const reply = generateReply({ messages });
    expect(reply.text).toMatch(/^Echo [0-9a-f]{8}: What is the capital of France\?$/);
    expect(reply).toMatchObject({ finishReason: 'stop', completionTokens: countTokens(reply.text) });
    expect(generateReply({ messages }).text).toBe(reply.text);
    expect(generateReply({ messages: [{ role: 'user', text: 'other' }] }).text).not.toBe(reply.text);
  });

  it('cuts long messages on code point boundaries', () => {
    const emoji = '👨‍👩‍👧🎉'.repeat(40);
    const text = echoText([{ role: 'user', text: emoji }]);
    expect(wellFormed(text)).toBe(true);
    expect([...text.slice(text.indexOf(': ') + 2)]).toHaveLength(60);
  });

  it('truncates at maxTokens with finish reason length', () => {
    const reply = generateReply({ messages, maxTokens: 2 });
    expect(reply).toMatchObject({
      finishReason: 'length',
      completionTokens: 2,
      text: 'Echo 123'.slice(0, 0) + reply.text,
    });
    expect(Buffer.byteLength(reply.text)).toBeLessThanOrEqual(8);
    const emoji = generateReply({ messages: [{ role: 'user', text: '🎉🎉🎉' }], maxTokens: 4 });
    expect(wellFormed(emoji.text)).toBe(true);
  });

  it('answers JSON formats, and corrupts them on request', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer', minimum: 3 } }, required: ['a'] };
    expect(JSON.parse(generateReply({ messages, format: { type: 'json_schema', schema } }).text)).toEqual({
      a: 3,
    });
    expect(JSON.parse(generateReply({ messages, format: { type: 'json_object' } }).text)).toHaveProperty(
      'echo',
    );
    for (const s of [schema, { type: 'integer' }, { type: 'string' }, { type: 'boolean' }]) {
      const text = generateReply({
        messages,
        format: { type: 'json_schema', schema: s },
        corruptJson: true,
      }).text;
      expect(() => JSON.parse(text)).toThrow();
    }
  });

  it('embeds deterministically as unit vectors', () => {
    const a = embeddingVector(sha256('a'), 8);
    expect(a).toHaveLength(8);
    expect(embeddingVector(sha256('a'), 8)).toEqual(a);
    expect(embeddingVector(sha256('b'), 8)).not.toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
    // Float32 values, like the providers' models give: base64 carries them exactly.
    expect(a.every((x) => Math.fround(x) === x)).toBe(true);
    const bytes = Buffer.from(base64Vector(a), 'base64');
    expect(Array.from({ length: 8 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual(a);
  });

  it('sizes vectors as each model does', () => {
    expect(embeddingModelSize('text-embedding-3-small')).toEqual({
      defaultDimensions: 1536,
      maxDimensions: 1536,
      resizable: true,
    });
    expect(embeddingModelSize('text-embedding-3-large').defaultDimensions).toBe(3072);
    expect(embeddingModelSize('text-embedding-ada-002').resizable).toBe(false);
    expect(embeddingModelSize('mistral-embed-2312')).toMatchObject({
      defaultDimensions: 1024,
      resizable: false,
    });
    expect(embeddingModelSize('codestral-embed-2505')).toMatchObject({
      defaultDimensions: 1536,
      maxDimensions: 3072,
    });
    expect(embeddingModelSize('text-embedding-005').defaultDimensions).toBe(768);
    expect(embeddingModelSize('gemini-embedding-001').defaultDimensions).toBe(3072);
  });
});
