import { isRecord } from '../core/is-record';
import { SUPPORTED_ENDPOINTS, type SupportedEndpoint } from '../openai-compatible/endpoints';
import { badRequest, invalidType, missingParameter } from './errors';
import { RESPONSES_ENDPOINT } from './responses-request';
import type { KnownEndpoint } from './types';

/** The endpoints an OpenAI-wire batch may run in the emulator: OpenAI's mount takes the Responses API as well. */
export type WireBatchEndpoint = SupportedEndpoint | typeof RESPONSES_ENDPOINT;

/** What OpenAI's own mount runs; a provider copying its wire runs `SUPPORTED_ENDPOINTS` unless it says otherwise. */
export const OPENAI_ENDPOINTS: readonly WireBatchEndpoint[] = [...SUPPORTED_ENDPOINTS, RESPONSES_ENDPOINT];

/** The real API accepts these too; the emulator runs only the endpoints its mount lists. */
const KNOWN_ENDPOINTS: KnownEndpoint[] = [
  '/v1/responses',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/moderations',
  '/v1/images/generations',
  '/v1/images/edits',
  '/v1/videos',
];

const MAX_METADATA_PAIRS = 16;
const MAX_METADATA_KEY = 64;
const MAX_METADATA_VALUE = 512;
const MIN_EXPIRY_S = 3600;
const MAX_EXPIRY_S = 30 * 24 * 3600;

/** The `completion_window` values a provider takes, and how long each gives a batch. */
export interface CompletionWindows {
  /** Seconds the window lasts, or null when the provider refuses the value. */
  seconds(value: string): number | null;
  /** What a refusal lists as supported. */
  supported: string;
}

/** OpenAI's one window. */
export const OPENAI_COMPLETION_WINDOWS: CompletionWindows = {
  seconds: (value) => (value === '24h' ? 24 * 3600 : null),
  supported: "'24h'",
};

export interface BatchParams {
  inputFileId: string;
  endpoint: WireBatchEndpoint;
  completionWindow: string;
  /** How long `completionWindow` gives the batch: its `expires_at` is that long after its creation. */
  completionWindowSeconds: number;
  metadata: Record<string, string> | null;
  /** `output_expires_after.seconds`: output and error files expire that long after they are created. */
  outputTtlSeconds: number | null;
}

export function parseBatchParams(
  body: unknown,
  windows: CompletionWindows = OPENAI_COMPLETION_WINDOWS,
  endpoints: readonly WireBatchEndpoint[] = SUPPORTED_ENDPOINTS,
): BatchParams {
  const input = isRecord(body) ? body : {};
  const inputFileId = requiredString(input, 'input_file_id');
  const endpoint = parseEndpoint(requiredString(input, 'endpoint'), endpoints);
  const completionWindow = requiredString(input, 'completion_window');
  return {
    inputFileId,
    endpoint,
    completionWindow,
    completionWindowSeconds: parseCompletionWindow(completionWindow, windows),
    metadata: parseMetadata(input.metadata),
    outputTtlSeconds: parseOutputExpiry(input.output_expires_after),
  };
}

function requiredString(input: Record<string, unknown>, param: string): string {
  const value = input[param];
  if (value === undefined || value === null) throw missingParameter(param);
  if (typeof value !== 'string') throw invalidType(param, 'a string', value);
  return value;
}

function parseEndpoint(value: string, endpoints: readonly WireBatchEndpoint[]): WireBatchEndpoint {
  if ((endpoints as readonly string[]).includes(value)) return value as WireBatchEndpoint;
  const supported = endpoints.map((e) => `'${e}'`).join(', ');
  if ((KNOWN_ENDPOINTS as string[]).includes(value)) {
    throw badRequest(
      `Endpoint '${value}' is valid on OpenAI but not emulated here. Emulated values are: ${supported}.`,
      'endpoint',
      'invalid_value',
    );
  }
  throw badRequest(
    `Invalid value: '${value}'. Supported values are: ${supported}.`,
    'endpoint',
    'invalid_value',
  );
}

function parseCompletionWindow(value: string, windows: CompletionWindows): number {
  const seconds = windows.seconds(value);
  if (seconds === null) {
    throw badRequest(
      `Invalid value: '${value}'. Supported values are: ${windows.supported}.`,
      'completion_window',
      'invalid_value',
    );
  }
  return seconds;
}

function parseMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw invalidType('metadata', 'an object', value);
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_PAIRS) {
    throw badRequest(
      `Invalid 'metadata': too many properties. Expected an object with at most ${MAX_METADATA_PAIRS} properties, but got an object with ${entries.length} properties instead.`,
      'metadata',
      'object_above_max_properties',
    );
  }
  const metadata: Record<string, string> = {};
  for (const [key, entry] of entries) {
    if (key.length > MAX_METADATA_KEY) {
      throw badRequest(
        `Invalid 'metadata': key too long. Expected a key with maximum length ${MAX_METADATA_KEY}, but got a key with length ${key.length} instead.`,
        'metadata',
        'string_above_max_length',
      );
    }
    if (typeof entry !== 'string') throw invalidType(`metadata.${key}`, 'a string', entry);
    if (entry.length > MAX_METADATA_VALUE) {
      throw badRequest(
        `Invalid 'metadata.${key}': string too long. Expected a string with maximum length ${MAX_METADATA_VALUE}, but got a string with length ${entry.length} instead.`,
        `metadata.${key}`,
        'string_above_max_length',
      );
    }
    metadata[key] = entry;
  }
  return metadata;
}

function parseOutputExpiry(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw invalidType('output_expires_after', 'an object', value);
  if (value.anchor !== 'created_at') {
    throw badRequest(
      `Invalid value: '${String(value.anchor)}'. Supported values are: 'created_at'.`,
      'output_expires_after.anchor',
      'invalid_value',
    );
  }
  const seconds = value.seconds;
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < MIN_EXPIRY_S ||
    seconds > MAX_EXPIRY_S
  ) {
    throw badRequest(
      `Invalid 'output_expires_after.seconds': expected an integer between ${MIN_EXPIRY_S} and ${MAX_EXPIRY_S}.`,
      'output_expires_after.seconds',
      'invalid_value',
    );
  }
  return seconds;
}
