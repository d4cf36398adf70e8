import { isRecord } from '../core/is-record';
import { SUPPORTED_ENDPOINTS, type SupportedEndpoint } from '../openai-compatible/endpoints';
import { unprocessable } from './errors';
import { parseRequest } from './request-line';

/** Mistral's batch endpoints (docs/providers/mistral.md#endpoints); the emulator runs the first two. */
const KNOWN_ENDPOINTS = [
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/fim/completions',
  '/v1/moderations',
  '/v1/chat/moderations',
  '/v1/ocr',
  '/v1/classifications',
  '/v1/chat/classifications',
  '/v1/conversations',
  '/v1/audio/transcriptions',
];
export const MAX_INLINE_REQUESTS = 10_000;
const MAX_METADATA_KEY = 32;
const MAX_METADATA_VALUE = 512;
/** Seen live: 0 is refused (minimum 1) and 168 accepted; the docs say "less than 7 days". */
const MAX_TIMEOUT_HOURS = 168;

export interface InlineRequest {
  customId: string | null;
  body: Record<string, unknown>;
}

export interface JobParams {
  inputFileIds: string[];
  /** Set instead of `inputFileIds` when the requests came in the create body. */
  inlineRequests: InlineRequest[] | null;
  endpoint: SupportedEndpoint;
  model: string;
  metadata: Record<string, string> | null;
  timeoutHours: number;
}

export function parseJobParams(body: unknown): JobParams {
  const input = isRecord(body) ? body : {};
  const inputFileIds = parseInputFiles(input.input_files);
  const inlineRequests = parseInlineRequests(input.requests);
  if (inputFileIds.length > 0 && inlineRequests) {
    throw unprocessable("Give either 'input_files' or 'requests', not both.", 'input_files');
  }
  if (inputFileIds.length === 0 && !inlineRequests) {
    throw unprocessable("One of 'input_files' or 'requests' is required.", 'input_files');
  }
  if (input.agent_id !== undefined && input.agent_id !== null) {
    throw unprocessable("'agent_id' (deprecated agents) is not emulated; give a 'model'.", 'agent_id');
  }
  return {
    inputFileIds,
    inlineRequests,
    endpoint: parseEndpoint(input.endpoint),
    model: parseModel(input.model),
    metadata: parseMetadata(input.metadata),
    timeoutHours: parseTimeoutHours(input.timeout_hours),
  };
}

function parseInputFiles(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string')) {
    throw unprocessable("'input_files' must be a list of file ids.", 'input_files');
  }
  return value as string[];
}

function parseInlineRequests(value: unknown): InlineRequest[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) {
    throw unprocessable("'requests' must be a non-empty list.", 'requests');
  }
  if (value.length > MAX_INLINE_REQUESTS) {
    throw unprocessable(
      `'requests' has ${value.length} items; at most ${MAX_INLINE_REQUESTS} can be sent inline, use input_files.`,
      'requests',
    );
  }
  return value.map((item, index) => {
    const parsed = parseRequest(item);
    if (!parsed.ok) throw unprocessable(`requests[${index}]: ${parsed.message}.`, `requests.${index}`);
    return { customId: parsed.customId, body: parsed.body };
  });
}

function parseEndpoint(value: unknown): SupportedEndpoint {
  if (typeof value !== 'string') throw unprocessable("Field required: 'endpoint'.", 'endpoint');
  if ((SUPPORTED_ENDPOINTS as readonly string[]).includes(value)) return value as SupportedEndpoint;
  if (KNOWN_ENDPOINTS.includes(value)) {
    throw unprocessable(`Endpoint '${value}' exists on Mistral but is not emulated.`, 'endpoint');
  }
  throw unprocessable(`Input should be one of ${KNOWN_ENDPOINTS.join(', ')}; got '${value}'.`, 'endpoint');
}

function parseModel(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw unprocessable("'model' is required (one model per batch).", 'model');
  }
  return value;
}

function parseMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw unprocessable("'metadata' must be an object.", 'metadata');
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key.length < 1 || key.length > MAX_METADATA_KEY) {
      throw unprocessable(
        `Metadata keys must have 1 to ${MAX_METADATA_KEY} characters: '${key}'.`,
        'metadata',
      );
    }
    if (typeof entry !== 'string' || entry.length < 1 || entry.length > MAX_METADATA_VALUE) {
      throw unprocessable(
        `Metadata value of '${key}' must be a string of 1 to ${MAX_METADATA_VALUE} characters.`,
        'metadata',
      );
    }
    metadata[key] = entry;
  }
  return metadata;
}

function parseTimeoutHours(value: unknown): number {
  if (value === undefined || value === null) return 24;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TIMEOUT_HOURS) {
    throw unprocessable(
      `'timeout_hours' must be an integer between 1 and ${MAX_TIMEOUT_HOURS}.`,
      'timeout_hours',
    );
  }
  return value as number;
}
