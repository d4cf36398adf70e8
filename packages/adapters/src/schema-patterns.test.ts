import { describe, expect, it } from 'vitest';
import { schemaPatterns } from './schema-patterns';

describe('schemaPatterns', () => {
  it('finds every pattern with its path, and takes a property named "pattern" for a property', () => {
    const schema = {
      type: 'object',
      properties: {
        pattern: { type: 'string', pattern: '^p' },
        list: { type: 'array', items: { pattern: '^i' }, prefixItems: [{ pattern: '^x' }] },
      },
      patternProperties: { '^k': { type: 'string', pattern: '^v' } },
      anyOf: [{ not: { pattern: '^n' } }],
      $defs: { code: { pattern: '^d' } },
      if: { propertyNames: { pattern: '^f' } },
      dependentSchemas: { a: { additionalProperties: { pattern: '^a' } } },
    };
    expect([...schemaPatterns(schema)]).toEqual([
      { path: ['patternProperties'], pattern: '^k' },
      { path: ['if', 'propertyNames', 'pattern'], pattern: '^f' },
      { path: ['anyOf', '0', 'not', 'pattern'], pattern: '^n' },
      { path: ['$defs', 'code', 'pattern'], pattern: '^d' },
      { path: ['dependentSchemas', 'a', 'additionalProperties', 'pattern'], pattern: '^a' },
      { path: ['patternProperties', '^k', 'pattern'], pattern: '^v' },
      { path: ['properties', 'pattern', 'pattern'], pattern: '^p' },
      { path: ['properties', 'list', 'items', 'pattern'], pattern: '^i' },
      { path: ['properties', 'list', 'prefixItems', '0', 'pattern'], pattern: '^x' },
    ]);
  });

  it('reads draft-07 array items and ignores what is not a schema', () => {
    const schema = {
      items: [{ pattern: '^0' }, true],
      enum: [{ pattern: 'not a schema' }],
      const: { pattern: 'no' },
    };
    expect([...schemaPatterns(schema)]).toEqual([{ path: ['items', '0', 'pattern'], pattern: '^0' }]);
  });
});
