/**
 * Every regular expression a JSON Schema (2020-12, and the draft-07 keywords Ajv still reads) holds, with where it
 * is, so that a pattern refused at intake is named by its place in the schema (`properties.code.pattern`).
 */

export interface SchemaPattern {
  /** Keys from the schema's root to the pattern: `['properties', 'code', 'pattern']`. */
  path: string[];
  pattern: string;
}

/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS = [
  'additionalItems',
  'additionalProperties',
  'contains',
  'contentSchema',
  'else',
  'if',
  'items',
  'not',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
];
/** Keywords whose value is an array of subschemas (`items` too, in draft-07). */
const SCHEMA_ARRAY_KEYWORDS = ['allOf', 'anyOf', 'items', 'oneOf', 'prefixItems'];
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP_KEYWORDS = [
  '$defs',
  'definitions',
  'dependencies',
  'dependentSchemas',
  'patternProperties',
  'properties',
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function* schemaPatterns(schema: unknown, path: string[] = []): Generator<SchemaPattern> {
  if (!isObject(schema)) return;
  if (typeof schema.pattern === 'string') yield { path: [...path, 'pattern'], pattern: schema.pattern };
  if (isObject(schema.patternProperties)) {
    for (const pattern of Object.keys(schema.patternProperties)) {
      yield { path: [...path, 'patternProperties'], pattern };
    }
  }
  for (const keyword of SCHEMA_KEYWORDS) {
    yield* schemaPatterns(schema[keyword], [...path, keyword]);
  }
  for (const keyword of SCHEMA_ARRAY_KEYWORDS) {
    const list = schema[keyword];
    if (!Array.isArray(list)) continue;
    for (const [i, item] of list.entries()) yield* schemaPatterns(item, [...path, keyword, String(i)]);
  }
  for (const keyword of SCHEMA_MAP_KEYWORDS) {
    const map = schema[keyword];
    if (!isObject(map)) continue;
    for (const [name, item] of Object.entries(map)) yield* schemaPatterns(item, [...path, keyword, name]);
  }
}
