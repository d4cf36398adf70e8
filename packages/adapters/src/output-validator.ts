import { createHash } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { BoundedCache } from './bounded-cache';
import { compileLinearPattern, linearRegExpEngine, type RegExpLike } from './linear-regexp';
import { schemaPatterns } from './schema-patterns';

export type OutputValidator = (value: unknown) => string | null;

// Providers add keywords of their own to schemas (OpenAI's strict mode, Gemini's propertyOrdering): not an error.
const OPTIONS = { strict: false, allErrors: false, validateFormats: false } as const;

/** Checks schemas against the 2020-12 meta-schema; it keeps none of the schemas it checks. */
const metaSchema = new Ajv2020(OPTIONS);

/**
 * Compiled validators by schema content. The worker compiles the schema of every batch it fetches and the API that
 * of every job it takes in: most are the same few schemas. Bounded, so that many distinct schemas cannot grow the
 * process (Ajv's own cache keeps every schema it ever compiled).
 */
export const OUTPUT_VALIDATOR_CACHE_SIZE = 100;
const compiled = new BoundedCache<string, OutputValidator>(OUTPUT_VALIDATOR_CACHE_SIZE);

/**
 * Compiles a job's output schema (once per content, while it stays among the last OUTPUT_VALIDATOR_CACHE_SIZE
 * used). The returned function gives null for a valid value, or a message naming where it is wrong
 * (`/items/0/price must be number`). Throws if the schema itself is not a usable JSON Schema, and
 * `UnsupportedPatternError` (naming where) for a `pattern` or `patternProperties` RE2 cannot run in linear time.
 *
 * Each schema gets an Ajv of its own: Ajv remembers every schema with an `$id`, so a second job with the same `$id`
 * failed to compile ("schema with key or id already exists"), and one job's `$id` could be `$ref`ed by another's.
 */
export function compileOutputSchema(schema: Record<string, unknown>): OutputValidator {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('base64');
  const known = compiled.get(key);
  if (known) return known;
  const { $schema: _ignored, ...rest } = schema;
  if (!metaSchema.validateSchema(rest)) {
    throw new Error(`schema is invalid: ${metaSchema.errorsText(metaSchema.errors)}`);
  }
  const patterns = new Map<string, RegExpLike>();
  for (const { path, pattern } of schemaPatterns(rest)) {
    if (!patterns.has(pattern)) patterns.set(pattern, compileLinearPattern(pattern, path));
  }
  const ajv = new Ajv2020({
    ...OPTIONS,
    // Checked above, with the shared meta-schema: a fresh Ajv need not compile it again.
    meta: false,
    validateSchema: false,
    code: { regExp: linearRegExpEngine(patterns) },
  });
  const validate = ajv.compile(rest);
  const validator: OutputValidator = (value) => {
    if (validate(value)) return null;
    return (validate.errors ?? [])
      .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
      .join('; ');
  };
  compiled.set(key, validator);
  return validator;
}
