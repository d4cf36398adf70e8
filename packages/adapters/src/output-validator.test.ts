import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache';
import { UnsupportedPatternError } from './linear-regexp';
import { compileOutputSchema, OUTPUT_VALIDATOR_CACHE_SIZE } from './output-validator';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    price: { type: 'number' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name', 'price'],
  additionalProperties: false,
};

describe('compileOutputSchema', () => {
  const validate = compileOutputSchema(schema);
  it('accepts a valid value', () => {
    expect(validate({ name: 'a', price: 1, tags: ['x'] })).toBeNull();
  });
  it('names what is wrong', () => {
    expect(validate({ name: 'a', price: 'cheap' })).toBe('/price must be number');
    expect(validate({ name: 'a' })).toContain("must have required property 'price'");
    expect(validate({ name: 'a', price: 1, extra: true })).toContain('must NOT have additional properties');
  });
  it('takes 2020-12 schemas with a $schema key and provider-specific keywords', () => {
    const v = compileOutputSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      ...schema,
      propertyOrdering: ['name'],
    });
    expect(v({ name: 'a', price: 2 })).toBeNull();
  });
  it('throws on a schema that is not a schema', () => {
    expect(() => compileOutputSchema({ type: 'objekt' })).toThrow();
  });
});

describe('compileOutputSchema and $id', () => {
  it('compiles a schema with an $id any number of times (Ajv keeps $ids: the second compile used to throw)', () => {
    const withId = { $id: 'https://example.com/invoice', ...schema };
    expect(compileOutputSchema({ ...withId })({ name: 'a', price: 1 })).toBeNull();
    expect(compileOutputSchema({ ...withId })({ name: 'a', price: 'x' })).toBe('/price must be number');
    // Another job's schema under the same $id is its own.
    const other = compileOutputSchema({
      $id: 'https://example.com/invoice',
      type: 'object',
      required: ['total'],
    });
    expect(other({ total: 1 })).toBeNull();
    expect(other({ name: 'a', price: 1 })).toContain("must have required property 'total'");
  });

  it("does not resolve a $ref to another job's $id", () => {
    compileOutputSchema({ $id: 'https://example.com/shared', type: 'object' });
    expect(() =>
      compileOutputSchema({ type: 'object', properties: { a: { $ref: 'https://example.com/shared' } } }),
    ).toThrow(/can't resolve reference/);
  });
});

describe('compileOutputSchema and patterns', () => {
  // Catastrophic backtracking for JavaScript's own engine: 2^n steps on 'aaaa…b'.
  const evil = '^(a+)+$';
  const text = `${'a'.repeat(50_000)}b`;

  it('runs `pattern` in linear time: ^(a+)+$ against 50,000 a and a b gives an answer', () => {
    const validate = compileOutputSchema({
      type: 'object',
      properties: { s: { type: 'string', pattern: evil } },
    });
    expect(validate({ s: text })).toBe(`/s must match pattern "${evil}"`);
    expect(validate({ s: 'aaaa' })).toBeNull();
  });

  it('runs `patternProperties` (and additionalProperties: false beside it) in linear time', () => {
    const validate = compileOutputSchema({
      type: 'object',
      patternProperties: { [evil]: { type: 'number' } },
      additionalProperties: false,
    });
    expect(validate({ aaa: 1 })).toBeNull();
    expect(validate({ [text]: 1 })).toBe('(root) must NOT have additional properties');
  });

  it('keeps JSON Schema semantics: unanchored, Unicode classes, named groups', () => {
    const validate = compileOutputSchema({
      type: 'object',
      properties: {
        code: { type: 'string', pattern: '[A-Z]{3}-\\d{4}' },
        word: { type: 'string', pattern: '^\\p{L}+$' },
        date: { type: 'string', pattern: '^(?<year>\\d{4})-(?<month>\\d{2})$' },
      },
    });
    expect(validate({ code: 'ref ABC-1234 ok', word: 'Zürich', date: '2026-12' })).toBeNull();
    expect(validate({ date: '2026-1' })).toContain('/date must match pattern');
    expect(validate({ code: 'abc-1234' })).toBe('/code must match pattern "[A-Z]{3}-\\d{4}"');
    expect(validate({ word: 'two words' })).toContain('/word must match pattern');
  });

  it.each([
    ['a backreference', '^(a)\\1$'],
    ['a lookahead', '^(?=a)a$'],
    ['a negative lookbehind', '(?<!x)a'],
    ['a repeat over 1000', '^a{1001}$'],
  ])('refuses %s, naming where the pattern is', (_what, pattern) => {
    const attempt = () =>
      compileOutputSchema({
        type: 'object',
        properties: { items: { type: 'array', items: { type: 'string', pattern } } },
      });
    expect(attempt).toThrow(UnsupportedPatternError);
    try {
      attempt();
    } catch (error) {
      expect((error as UnsupportedPatternError).path).toEqual(['properties', 'items', 'items', 'pattern']);
      expect((error as Error).message).toContain(JSON.stringify(pattern));
    }
  });
});

describe('compileOutputSchema cache', () => {
  it('compiles a schema once by content, and forgets the least recently used past its bound', () => {
    const first = compileOutputSchema({ ...schema, title: 'first' });
    expect(compileOutputSchema({ ...schema, title: 'first' })).toBe(first);
    for (let i = 0; i < OUTPUT_VALIDATOR_CACHE_SIZE; i++)
      compileOutputSchema({ ...schema, title: `other ${i}` });
    const again = compileOutputSchema({ ...schema, title: 'first' });
    expect(again).not.toBe(first);
    expect(again({ name: 'a', price: 1 })).toBeNull();
  });
});

describe('BoundedCache', () => {
  it('holds at most its capacity, dropping the least recently used', () => {
    const cache = new BoundedCache<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i);
    expect(cache.get('a')).toBe(0);
    cache.set('d', 3);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([0, 2, 3]);
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
  });
});
