import { isRecord } from './proto-json';

/**
 * `generationConfig.responseSchema` uses an OpenAPI 3.0 subset (`type: "OBJECT"`, `nullable: true`, …); the
 * deterministic model speaks JSON Schema, so translate it. `responseJsonSchema` is JSON Schema already.
 */
export function openApiToJsonSchema(schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > 32) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'type':
        out.type = typeof value === 'string' ? value.toLowerCase() : value;
        break;
      case 'nullable':
      case 'propertyOrdering':
      case 'property_ordering':
        break;
      case 'properties':
        if (isRecord(value)) {
          out.properties = Object.fromEntries(
            Object.entries(value).map(([name, child]) => [name, openApiToJsonSchema(child, depth + 1)]),
          );
        }
        break;
      case 'items':
        out.items = openApiToJsonSchema(value, depth + 1);
        break;
      case 'anyOf':
      case 'any_of':
        out.anyOf = Array.isArray(value)
          ? value.map((child) => openApiToJsonSchema(child, depth + 1))
          : value;
        break;
      case 'min_items':
        out.minItems = Number(value);
        break;
      case 'max_items':
        out.maxItems = Number(value);
        break;
      case 'minItems':
      case 'maxItems':
      case 'minLength':
      case 'maxLength':
      case 'minProperties':
      case 'maxProperties':
        // int64 in the proto, so they may arrive as strings.
        out[key] = Number(value);
        break;
      default:
        out[key] = value;
    }
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}
