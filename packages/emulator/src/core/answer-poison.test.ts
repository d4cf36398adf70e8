import { describe, expect, it } from 'vitest';
import { poisonFor, poisonJsonText, poisonText, poisonValue } from './answer-poison';
import { generateReply } from './model';

const prompt = (text: string) => [{ role: 'user', text }];

describe('nul_answers', () => {
  it('picks a prompt by its text, the same way each time it is sent', () => {
    const fault = { rate: 0.5, char: 'nul' as const, seed: 1 };
    const picks = Array.from({ length: 40 }, (_, i) => poisonFor(fault, prompt(`question ${i}`)));
    expect(picks).toEqual(Array.from({ length: 40 }, (_, i) => poisonFor(fault, prompt(`question ${i}`))));
    expect(picks.filter((c) => c === '\u0000').length).toBeGreaterThan(5);
    expect(picks.filter((c) => c === null).length).toBeGreaterThan(5);
    expect(poisonFor({ ...fault, rate: 1, char: 'lone_surrogate' }, prompt('q'))).toBe('\uD800');
    expect(poisonFor(null, prompt('q'))).toBeNull();
  });

  it('puts the character raw in a text answer', () => {
    expect(poisonText('Echo abc: hi', '\u0000')).toBe('Echo\u0000 abc: hi');
    const reply = generateReply({ messages: prompt('hi'), poison: '\u0000' });
    expect(reply.text).toContain('\u0000');
  });

  it('puts it in a structured answer only as an escape, which JSON.parse turns into the character', () => {
    const text = poisonJsonText('{"a":{"b":"x"},"c":"y"}', '\u0000');
    expect(text).not.toContain('\u0000');
    expect(text).toContain('\\u0000');
    expect(JSON.parse(text)).toEqual({ a: { b: 'x\u0000' }, c: 'y' });
    const reply = generateReply({
      messages: prompt('hi'),
      format: { type: 'json_object' },
      poison: '\u0000',
    });
    expect(reply.text).not.toContain('\u0000');
    expect(JSON.stringify(JSON.parse(reply.text))).toContain('\\u0000');
  });

  it('adds a key holding the character to an object without strings, and leaves text that is not JSON', () => {
    expect(Object.keys(poisonValue({ n: 1 }, '\u0000'))).toEqual(['n', 'note\u0000']);
    expect(poisonJsonText('{"a":', '\u0000')).toBe('{"a":');
  });
});
