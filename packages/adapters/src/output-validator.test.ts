import { describe, expect, it } from 'vitest';
import { compileOutputSchema } from './output-validator';

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
