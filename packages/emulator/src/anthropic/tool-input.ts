import { jsonSchemaInstance } from '../core/json-schema-instance';
import { isRecord } from './message-params';

/**
 * The input of a forced tool call: a small instance of the tool's `input_schema`. Under `invalid_json_rate`
 * it breaks the schema while staying an object (the API's tool input is always a parsed object, so there is
 * no unparsable JSON to send): the first required property goes missing or, when nothing is required, an
 * undeclared property appears (invalid only under `additionalProperties: false`).
 */
export function toolInput(schema: Record<string, unknown>, breakSchema: boolean): Record<string, unknown> {
  const instance = jsonSchemaInstance(schema);
  const input = isRecord(instance) ? instance : {};
  if (!breakSchema) return input;
  const required = Array.isArray(schema.required)
    ? schema.required.filter((key): key is string => typeof key === 'string')
    : [];
  const dropped = required[0];
  if (dropped === undefined) return { ...input, __emulator_invalid__: true };
  const { [dropped]: _missing, ...rest } = input;
  return rest;
}
