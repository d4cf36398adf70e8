import { describe, expect, it } from 'vitest';
import { outputSchemaProblem } from './schema-bounds';

/** A schema exactly `levels` deep in JSON terms (every object and array is a level): properties within properties. */
function nested(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> =
    levels % 2 === 1 ? { type: 'object' } : { type: 'object', properties: {} };
  for (let depth = 2 - (levels % 2); depth < levels; depth += 2) {
    schema = { type: 'object', properties: { n: schema } };
  }
  return schema;
}

describe('outputSchemaProblem', () => {
  it('takes an ordinary schema', () => {
    expect(
      outputSchemaProblem({
        type: 'object',
        properties: { total: { type: 'number' }, tags: { type: 'array', items: { enum: ['a', 'b'] } } },
        required: ['total'],
      }),
    ).toBeNull();
  });

  it('takes 32 levels and refuses 33, naming where', () => {
    expect(outputSchemaProblem(nested(32))).toBeNull();
    expect(outputSchemaProblem(nested(33))).toMatch(/^deeper than 32 levels \(at properties\.n\./);
  });

  it('refuses a schema nested far beyond the stack without overflowing it', () => {
    let deep: unknown = {};
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    expect(outputSchemaProblem(deep)).toMatch(/^deeper than 32 levels/);
  });

  it('refuses a schema over 64 KB as JSON, counted in UTF-8 bytes', () => {
    expect(outputSchemaProblem({ type: 'object', description: 'x'.repeat(70_000) })).toBe(
      'over 65536 bytes as JSON',
    );
    // 30,000 characters of three bytes each: under 64 K characters, over 64 KB.
    expect(outputSchemaProblem({ type: 'object', description: '€'.repeat(30_000) })).toMatch(
      /^\d+ bytes as JSON, over 65536$/,
    );
  });

  it('names a string or a key with a NUL or a lone surrogate', () => {
    expect(outputSchemaProblem({ type: 'object', properties: { a: { description: 'x\u0000y' } } })).toBe(
      'the string at properties.a.description contains a NUL character (\\u0000)',
    );
    expect(outputSchemaProblem({ type: 'object', enum: ['ok', '\ud800'] })).toBe(
      'the string at enum[1] contains a lone surrogate (not valid Unicode)',
    );
    expect(outputSchemaProblem({ type: 'object', properties: { 'bad\u0000key': {} } })).toBe(
      'the key at properties["bad?key"] contains a NUL character (\\u0000)',
    );
  });

  it('takes text with well-formed astral characters', () => {
    expect(outputSchemaProblem({ type: 'object', description: 'emoji 🎉 and 𝄞' })).toBeNull();
  });
});
