import type { FilePurpose } from 'openai/resources/files';
import { badRequest, invalidType, missingParameter } from './errors';
import { newFileId } from './file-registry';
import type { WireFile } from './types';

/** The purposes `POST /files` and `POST /uploads` accept; `satisfies` flags drift from the SDK. */
export const FILE_PURPOSES = [
  'assistants',
  'batch',
  'fine-tune',
  'vision',
  'user_data',
  'evals',
] as const satisfies readonly FilePurpose[];
export type UploadPurpose = (typeof FILE_PURPOSES)[number];

const MIN_EXPIRY_S = 3600;
const MAX_EXPIRY_S = 30 * 24 * 3600;
/** Batch input files expire after 30 days unless `expires_after` says otherwise. */
const BATCH_FILE_TTL_S = 30 * 24 * 3600;

export function parsePurpose(value: unknown): UploadPurpose {
  if (value === undefined || value === null || value === '') throw missingParameter('purpose');
  if (typeof value !== 'string') throw invalidType('purpose', 'a string', value);
  if (!(FILE_PURPOSES as readonly string[]).includes(value)) {
    throw badRequest(
      `Invalid value: '${value}'. Supported values are: ${FILE_PURPOSES.map((p) => `'${p}'`).join(', ')}.`,
      'purpose',
      'invalid_value',
    );
  }
  return value as UploadPurpose;
}

/**
 * `expires_after.{anchor,seconds}` → seconds to live, or null when neither is given.
 * `seconds` arrives as a string from a multipart form and as a number from JSON.
 */
export function parseExpiresAfter(anchor: unknown, seconds: unknown): number | null {
  if (anchor === undefined && seconds === undefined) return null;
  if (anchor !== 'created_at') {
    throw badRequest(
      `Invalid value: '${typeof anchor === 'string' ? anchor : ''}'. Supported values are: 'created_at'.`,
      'expires_after.anchor',
      'invalid_value',
    );
  }
  const ttl = typeof seconds === 'number' || typeof seconds === 'string' ? Number(seconds) : Number.NaN;
  if (!Number.isInteger(ttl) || ttl < MIN_EXPIRY_S || ttl > MAX_EXPIRY_S) {
    throw badRequest(
      `Invalid 'expires_after.seconds': expected an integer between ${MIN_EXPIRY_S} and ${MAX_EXPIRY_S}.`,
      'expires_after.seconds',
      'invalid_value',
    );
  }
  return ttl;
}

export interface NewFile {
  purpose: UploadPurpose;
  filename: string;
  bytes: number;
  /** Unix seconds. */
  createdAt: number;
  /** From `expires_after`, or null for the purpose's default. */
  ttlSeconds: number | null;
}

/** A freshly stored file as `POST /files` (and a completed Upload) returns it. */
export function newWireFile(file: NewFile): WireFile {
  const ttl = file.ttlSeconds ?? (file.purpose === 'batch' ? BATCH_FILE_TTL_S : null);
  return {
    object: 'file',
    id: newFileId(),
    purpose: file.purpose,
    filename: file.filename,
    bytes: file.bytes,
    created_at: file.createdAt,
    expires_at: ttl === null ? null : file.createdAt + ttl,
    status: 'processed',
    status_details: null,
  };
}
