import { Ajv2020 } from 'ajv/dist/2020.js';

export type OutputValidator = (value: unknown) => string | null;

// Providers add keywords of their own to schemas (OpenAI's strict mode, Gemini's propertyOrdering): not an error.
const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });

/**
 * Compiles a job's output schema once. The returned function gives null for a valid value, or a message naming
 * where it is wrong (`/items/0/price must be number`). Throws if the schema itself is not a usable JSON Schema.
 */
export function compileOutputSchema(schema: Record<string, unknown>): OutputValidator {
  const { $schema: _ignored, ...rest } = schema;
  const validate = ajv.compile(rest);
  return (value) => {
    if (validate(value)) return null;
    return (validate.errors ?? [])
      .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
      .join('; ');
  };
}
