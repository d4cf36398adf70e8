import type { ReplyFormat } from '../core/model';
import { field, isRecord, unknownKeys } from './proto-json';
import { openApiToJsonSchema } from './response-schema';

/** What the deterministic model takes from a `generationConfig`. */
export interface GenerationSettings {
  maxTokens: number | null;
  format: ReplyFormat;
  /** `text/x.enum`: answer with one of these values. */
  enumValues: string[] | null;
}

const GENERATION_FIELDS = new Set([
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'stopSequences',
  'presencePenalty',
  'frequencyPenalty',
  'seed',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseLogprobs',
  'logprobs',
  'responseModalities',
  'thinkingConfig',
  'mediaResolution',
  'speechConfig',
  'routingConfig',
  'audioTimestamp',
  'enableAffectiveDialog',
  'modelSelectionConfig',
  'imageConfig',
]);

const MIME_TYPES = new Set(['text/plain', 'application/json', 'text/x.enum']);
const MAX_STOP_SEQUENCES = 5;

/** Checks `generationConfig` as the model endpoint would (unknown fields, ranges, schema modes). */
export function checkGenerationConfig(value: unknown): GenerationSettings | { problem: string } {
  const config = value ?? {};
  if (!isRecord(config)) return { problem: 'generation_config must be an object.' };
  const unknown = unknownKeys(config, GENERATION_FIELDS);
  if (unknown.length > 0) {
    return {
      problem: `Invalid JSON payload received. Unknown name "${unknown[0]}" at 'generation_config': Cannot find field.`,
    };
  }
  const maxTokens = field(config, 'maxOutputTokens');
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)) {
    return { problem: 'max_output_tokens must be a positive integer.' };
  }
  const temperature = field(config, 'temperature');
  if (
    temperature !== undefined &&
    !(typeof temperature === 'number' && temperature >= 0 && temperature <= 2)
  ) {
    return { problem: 'temperature must be between 0 and 2.' };
  }
  const topP = field(config, 'topP');
  if (topP !== undefined && !(typeof topP === 'number' && topP >= 0 && topP <= 1)) {
    return { problem: 'top_p must be between 0 and 1.' };
  }
  const stops = field(config, 'stopSequences');
  if (stops !== undefined) {
    if (!Array.isArray(stops) || !stops.every((s) => typeof s === 'string')) {
      return { problem: 'stop_sequences must be a list of strings.' };
    }
    if (stops.length > MAX_STOP_SEQUENCES)
      return { problem: `At most ${MAX_STOP_SEQUENCES} stop sequences are allowed.` };
  }

  const mime = field(config, 'responseMimeType') ?? 'text/plain';
  if (typeof mime !== 'string' || !MIME_TYPES.has(mime)) {
    return {
      problem: `response_mime_type "${String(mime)}" is not supported. Allowed: ${[...MIME_TYPES].join(', ')}.`,
    };
  }
  const openApiSchema = field(config, 'responseSchema');
  const jsonSchema = field(config, 'responseJsonSchema');
  if (openApiSchema !== undefined && jsonSchema !== undefined) {
    return { problem: 'response_schema and response_json_schema cannot both be set.' };
  }
  const schema = jsonSchema ?? (openApiSchema === undefined ? undefined : openApiToJsonSchema(openApiSchema));
  if (schema !== undefined && mime === 'text/plain') {
    return { problem: 'A response schema needs response_mime_type "application/json" or "text/x.enum".' };
  }
  let format: ReplyFormat = { type: 'text' };
  let enumValues: string[] | null = null;
  if (mime === 'application/json') {
    format = schema === undefined ? { type: 'json_object' } : { type: 'json_schema', schema };
  }
  if (mime === 'text/x.enum') {
    const values = isRecord(schema) ? schema.enum : undefined;
    if (!Array.isArray(values) || values.length === 0) {
      return { problem: 'text/x.enum needs a response schema with "enum".' };
    }
    enumValues = values.map(String);
  }
  return { maxTokens: (maxTokens as number | undefined) ?? null, format, enumValues };
}
