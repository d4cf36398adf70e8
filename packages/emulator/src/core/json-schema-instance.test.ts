import { describe, expect, it } from 'vitest';
import { jsonSchemaInstance } from './json-schema-instance';

describe('jsonSchemaInstance', () => {
  it('builds required properties only, one array item, first enum value', () => {
    expect(
      jsonSchemaInstance({
        type: 'object',
        properties: {
          name: { type: 'string' },
          kind: { enum: ['x', 'y'] },
          list: { type: 'array', items: { type: 'number' } },
          optional: { type: 'string' },
        },
        required: ['name', 'kind', 'list'],
      }),
    ).toEqual({ name: 'string', kind: 'x', list: [0] });
  });

  it('follows $ref, anyOf, nullable types and const', () => {
    expect(
      jsonSchemaInstance({
        $defs: { item: { type: 'object', properties: { id: { const: 7 } }, required: ['id'] } },
        type: 'object',
        properties: {
          ref: { $ref: '#/$defs/item' },
          either: { anyOf: [{ type: 'null' }, { type: 'boolean' }] },
          maybe: { type: ['null', 'integer'] },
        },
        required: ['ref', 'either', 'maybe'],
      }),
    ).toEqual({ ref: { id: 7 }, either: true, maybe: 0 });
  });

  it('respects numeric and length bounds and formats', () => {
    expect(jsonSchemaInstance({ type: 'integer', minimum: 5, maximum: 9 })).toBe(5);
    expect(jsonSchemaInstance({ type: 'integer', exclusiveMinimum: 5 })).toBe(6);
    expect(jsonSchemaInstance({ type: 'number', maximum: -2 })).toBe(-2);
    expect(jsonSchemaInstance({ type: 'integer', minimum: 1, multipleOf: 5 })).toBe(5);
    expect(jsonSchemaInstance({ type: 'string', minLength: 10 })).toHaveLength(10);
    expect(jsonSchemaInstance({ type: 'string', maxLength: 3 })).toBe('str');
    expect(jsonSchemaInstance({ type: 'string', format: 'date-time' })).toBe('2024-01-01T00:00:00Z');
    expect(jsonSchemaInstance({ type: 'array', items: { type: 'string' }, minItems: 2 })).toEqual([
      'string',
      'string',
    ]);
    expect(jsonSchemaInstance({ type: 'array', maxItems: 0 })).toEqual([]);
  });

  it('survives recursive schemas', () => {
    const schema = {
      $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } }, required: ['next'] } },
      $ref: '#/$defs/node',
    };
    expect(() => JSON.stringify(jsonSchemaInstance(schema))).not.toThrow();
  });
});
