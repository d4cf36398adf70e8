import type { NormalizedResult, Usage } from '@tranche/adapters';
import { describe, expect, it } from 'vitest';
import { findUnstorable, storableJson, storableResult, storableText, unstorableIn } from './storable-result';

const NUL = '\u0000';
const LONE = '\uD800';
const usage: Usage = {
  inputTokens: 10,
  outputTokens: 4,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  raw: { n: 1 },
};

const answered = (
  output: Extract<NormalizedResult, { status: 'succeeded' }>['output'],
): NormalizedResult => ({
  customId: 'c-1',
  status: 'succeeded',
  output,
  usage,
});

const unstorable = (message: string) => ({
  customId: 'c-1',
  status: 'failed',
  usage,
  error: { type: 'invalid_output', code: 'unstorable_text', message, retryable: true },
});

describe('unstorableIn', () => {
  it.each([
    ['plain text, with a pair of surrogates (an emoji) and U+FFFF', 'ok 🎉 \uFFFF', null],
    ['a NUL', `a${NUL}b`, 'a NUL character (U+0000)'],
    ['a high surrogate alone', `a${LONE}b`, 'a lone UTF-16 surrogate'],
    ['a high surrogate at the end', `a${LONE}`, 'a lone UTF-16 surrogate'],
    ['a low surrogate alone', 'a\uDC00b', 'a lone UTF-16 surrogate'],
    ['the six characters of an escape, which are storable', '\\u0000', null],
  ])('%s', (_, text, problem) => {
    expect(unstorableIn(text)).toBe(problem);
  });
});

describe('storableResult', () => {
  it('keeps a result Postgres can store as it is', () => {
    const result = answered({ text: 'fine 🎉', json: { a: ['b', 1] }, finishReason: 'stop' });
    expect(storableResult(result)).toEqual(result);
  });

  it('fails an answer with a NUL in its text as unstorable_text, keeping its usage, naming the field only', () => {
    const failed = storableResult(answered({ text: `secret${NUL}answer`, finishReason: 'stop' }));
    expect(failed).toEqual(
      unstorable('the answer holds a NUL character (U+0000) in output.text, which Postgres cannot store'),
    );
    expect(JSON.stringify(failed)).not.toContain('secret');
  });

  it('fails a structured answer whose \\u0000 appears only once its text is parsed', () => {
    const text = '{"answer":"x\\u0000y"}';
    expect(unstorableIn(text)).toBeNull();
    const result = answered({ text, json: JSON.parse(text), finishReason: 'stop' });
    expect(storableResult(result)).toEqual(
      unstorable('the answer holds a NUL character (U+0000) in output.json, which Postgres cannot store'),
    );
  });

  it('fails a structured answer with a NUL in a key, deep down, and names it as a key', () => {
    const json = JSON.parse('{"a":[{"b":{"k\\u0000":1}}]}');
    expect(storableResult(answered({ text: '…', json }))).toEqual(
      unstorable(
        'the answer holds a NUL character (U+0000) in a key of output.json, which Postgres cannot store',
      ),
    );
  });

  it('fails lone surrogates and a NUL in the finish reason alike', () => {
    expect(storableResult(answered({ text: `x${LONE}` }))).toMatchObject({
      error: {
        message: 'the answer holds a lone UTF-16 surrogate in output.text, which Postgres cannot store',
      },
    });
    expect(storableResult(answered({ text: 'ok', finishReason: `stop${NUL}` }))).toMatchObject({
      error: { code: 'unstorable_text', message: expect.stringContaining('in output.finishReason') },
    });
  });

  it("cleans the provider's metadata instead: raw usage (keys and values), an error's code and message", () => {
    const raw = { [`key${NUL}`]: `v${LONE}`, nested: [{ deep: `d${NUL}` }], fine: 'ok' };
    const result: NormalizedResult = {
      customId: 'c-2',
      status: 'failed',
      usage: { ...usage, raw },
      error: { type: 'server_error', code: `E${NUL}`, message: `boom${NUL}${LONE}`, retryable: true },
    };
    expect(storableResult(result)).toEqual({
      customId: 'c-2',
      status: 'failed',
      usage: { ...usage, raw: { 'key\uFFFD': 'v\uFFFD', nested: [{ deep: 'd\uFFFD' }], fine: 'ok' } },
      error: { type: 'server_error', code: 'E\uFFFD', message: 'boom\uFFFD\uFFFD', retryable: true },
    });
    const succeeded = storableResult({ ...answered({ text: 'ok' }), usage: { ...usage, raw } });
    expect(succeeded).toMatchObject({ status: 'succeeded', usage: { raw: { 'key\uFFFD': 'v\uFFFD' } } });
  });

  it('cleans a custom id, which then matches no input of ours', () => {
    expect(storableResult(answered({ text: 'ok' })).customId).toBe('c-1');
    expect(storableResult({ ...answered({ text: 'ok' }), customId: `c${NUL}` }).customId).toBe('c\uFFFD');
  });
});

describe('storableJson and storableText', () => {
  it('replace only what Postgres refuses, and leave an escaped backslash followed by u0000 alone', () => {
    const value = { a: '\\u0000 is six characters', b: `${NUL}`, c: '🎉', d: `${LONE}\uDC00` };
    expect(storableJson(value)).toEqual({
      a: '\\u0000 is six characters',
      b: '\uFFFD',
      c: '🎉',
      d: '\uD800\uDC00',
    });
    expect(storableText(`x${LONE}y\uDC00`)).toBe('x\uFFFDy\uFFFD');
    const clean = { a: 'b' };
    expect(storableJson(clean)).toBe(clean);
  });

  it('walks JSON nested deeper than the call stack goes', () => {
    let deep: unknown = `x${NUL}`;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorable(deep)).toEqual({ problem: 'a NUL character (U+0000)', inKey: false });
  });
});
