import type { UploadCompleteParams, UploadCreateParams } from 'openai/resources/uploads/uploads';
import { badRequest, invalidType, missingParameter } from './errors';
import { parseExpiresAfter, parsePurpose, type UploadPurpose } from './file-object';

/** "8 GB" and "64 MB": binary units, as `POST /files` reads "512 MB"; the real unit is unconfirmed. */
export const MAX_UPLOAD_TOTAL_BYTES = 8 * 1024 * 1024 * 1024;
export const MAX_PART_BYTES = 64 * 1024 * 1024;

const JSONL_TYPES = ['application/jsonl', 'application/x-ndjson'];
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
/** The file-search "supported files" table, which the Uploads reference points to for `assistants`. */
const ASSISTANTS_TYPES = [
  'text/x-c',
  'text/x-c++',
  'text/x-csharp',
  'text/css',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'text/x-golang',
  'text/html',
  'text/x-java',
  'text/javascript',
  'application/json',
  'text/markdown',
  'application/pdf',
  'text/x-php',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'text/x-python',
  'text/x-script.python',
  'text/x-ruby',
  'application/x-sh',
  'text/x-tex',
  'application/typescript',
  'text/plain',
];

/**
 * MIME types accepted per purpose; `null` accepts any well-formed `type/subtype`.
 *
 * The reference only says `mime_type` "must fall within the supported MIME types for your file
 * purpose" and lists types for assistants and vision. For the JSONL purposes (batch, fine-tune,
 * evals) no list is published, so we are strict and accept only `application/jsonl` and
 * `application/x-ndjson`, not `application/json`, `text/jsonl` or `text/plain`. Unconfirmed: the
 * openai-python uploads example sends `mime_type: "txt"` with `purpose: "batch"`, which hints the
 * real API may be laxer for batch. `user_data` is documented as "flexible", so any type goes.
 */
export const MIME_TYPES_BY_PURPOSE: Record<UploadPurpose, readonly string[] | null> = {
  batch: JSONL_TYPES,
  'fine-tune': JSONL_TYPES,
  evals: JSONL_TYPES,
  vision: IMAGE_TYPES,
  assistants: [...ASSISTANTS_TYPES, ...IMAGE_TYPES],
  user_data: null,
};

const MIME_SYNTAX = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

export interface UploadCreate {
  bytes: number;
  filename: string;
  mimeType: string;
  purpose: UploadPurpose;
  /** The resulting file's `expires_after.seconds`, or null for the purpose's default. */
  fileTtlSeconds: number | null;
}

type Body = Record<string, unknown>;

function objectBody(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return body as Body;
}

/** The JSON body of `POST /uploads`. */
export function parseUploadCreate(raw: unknown): UploadCreate {
  const body = objectBody(raw) as { [K in keyof UploadCreateParams]?: unknown };
  const bytes = body.bytes;
  if (bytes === undefined || bytes === null) throw missingParameter('bytes');
  if (typeof bytes !== 'number' || !Number.isInteger(bytes)) throw invalidType('bytes', 'an integer', bytes);
  if (bytes < 0) {
    throw badRequest(
      `Invalid 'bytes': integer below minimum value. Expected a value >= 0, but got ${bytes} instead.`,
      'bytes',
      'integer_below_min_value',
    );
  }
  if (bytes > MAX_UPLOAD_TOTAL_BYTES) {
    throw badRequest(
      `Invalid 'bytes': integer above maximum value. Expected a value <= ${MAX_UPLOAD_TOTAL_BYTES}, but got ${bytes} instead.`,
      'bytes',
      'integer_above_max_value',
    );
  }
  const filename = requiredString(body.filename, 'filename');
  const mimeType = requiredString(body.mime_type, 'mime_type');
  const purpose = parsePurpose(body.purpose);
  checkMimeType(mimeType, purpose);

  let fileTtlSeconds: number | null = null;
  const expiresAfter = body.expires_after;
  if (expiresAfter !== undefined && expiresAfter !== null) {
    if (typeof expiresAfter !== 'object' || Array.isArray(expiresAfter)) {
      throw invalidType('expires_after', 'an object', expiresAfter);
    }
    const { anchor, seconds } = expiresAfter as Body;
    fileTtlSeconds = parseExpiresAfter(anchor ?? '', seconds);
  }
  return { bytes, filename, mimeType, purpose, fileTtlSeconds };
}

export interface UploadComplete {
  partIds: string[];
  /** Lower-case hex, when given. */
  md5: string | null;
}

/** The JSON body of `POST /uploads/{id}/complete`. */
export function parseUploadComplete(raw: unknown): UploadComplete {
  const body = objectBody(raw) as { [K in keyof UploadCompleteParams]?: unknown };
  const partIds = body.part_ids;
  if (partIds === undefined || partIds === null) throw missingParameter('part_ids');
  if (!Array.isArray(partIds)) throw invalidType('part_ids', 'an array', partIds);
  partIds.forEach((id, i) => {
    if (typeof id !== 'string') throw invalidType(`part_ids[${i}]`, 'a string', id);
  });
  let md5: string | null = null;
  if (body.md5 !== undefined && body.md5 !== null) {
    if (typeof body.md5 !== 'string') throw invalidType('md5', 'a string', body.md5);
    md5 = body.md5.toLowerCase();
  }
  return { partIds: partIds as string[], md5 };
}

function requiredString(value: unknown, param: string): string {
  if (value === undefined || value === null || value === '') throw missingParameter(param);
  if (typeof value !== 'string') throw invalidType(param, 'a string', value);
  return value;
}

/** MIME types compare case-insensitively and without parameters such as `; charset=utf-8`. */
function checkMimeType(mimeType: string, purpose: UploadPurpose): void {
  const essence = mimeType.split(';')[0]!.trim().toLowerCase();
  const allowed = MIME_TYPES_BY_PURPOSE[purpose];
  const ok = allowed === null ? MIME_SYNTAX.test(essence) : allowed.includes(essence);
  if (ok) return;
  const supported = allowed === null ? '' : ` Supported types: ${allowed.map((t) => `'${t}'`).join(', ')}.`;
  throw badRequest(
    `Invalid value for 'mime_type': '${mimeType}' is not supported for purpose '${purpose}'.${supported}`,
    'mime_type',
    'invalid_value',
  );
}
