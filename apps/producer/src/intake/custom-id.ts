import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth (UTF-16 code unit order) and undefined fields left out: equal
 * requests give equal text whatever the key order. Numbers and strings are written as JSON.stringify writes them,
 * so the text has exactly the bytes of JSON.stringify's, only in another key order.
 */
export function canonicalJson(value: unknown): string {
  // Intake builds its requests in this order: JSON.stringify then writes the same text in one go.
  return inCanonicalOrder(value) ? JSON.stringify(value) : sortedJson(value);
}

function sortedJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + sortedJson(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const field = object[key];
    if (field === undefined) continue;
    out += `${out === '{' ? '' : ','}${JSON.stringify(key)}:${sortedJson(field)}`;
  }
  return `${out}}`;
}

/**
 * Whether JSON.stringify writes exactly `sortedJson`'s text: plain data only (strings, numbers, booleans, null,
 * plain arrays and objects), no undefined anywhere, and every object's keys already in sorted order. Anything else
 * takes the slow path, which is the definition.
 */
function inCanonicalOrder(value: unknown): boolean {
  if (value === null) return true;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  if (type !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    for (const item of value as unknown[]) if (!inCanonicalOrder(item)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  const object = value as Record<string, unknown>;
  let previous: string | null = null;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) return false;
    if (previous !== null && !(previous < key)) return false;
    if (!inCanonicalOrder(object[key])) return false;
    previous = key;
  }
  return true;
}

const BASE32 = Buffer.from('abcdefghijklmnopqrstuvwxyz234567', 'latin1');
export const HASH_LENGTH = 26; // 130 bits

// Written into bytes, then read as one string: built a character at a time, a string is a rope that every later
// use (the Set of seen ids, the COPY) flattens again.
const base32Out = Buffer.alloc(HASH_LENGTH);

/** The first `length` (at most HASH_LENGTH) base32 characters of `bytes` (one byte per char code), high bits first. */
function base32(bytes: string, length: number): string {
  let n = 0;
  let bits = 0;
  let value = 0;
  for (let i = 0; i < bytes.length && n < length; i++) {
    // Fewer than 5 bits are left over from the last byte: 16 bits hold them and the next byte.
    value = ((value << 8) | bytes.charCodeAt(i)) & 0xffff;
    bits += 8;
    while (bits >= 5 && n < length) {
      base32Out[n++] = BASE32[(value >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  return base32Out.toString('latin1', 0, n);
}

export const CUSTOM_ID_PATTERN = /^[a-z0-9_-]{1,63}$/;

/** `{run_id}-{hash}` of a value's canonical JSON text. */
function idOfCanonicalText(runId: string, text: string): string {
  // The digest as 'binary' (latin1) text, a char code per byte: no buffer to allocate for 32 bytes.
  return `${runId}-${base32(hash('sha256', text, 'binary'), HASH_LENGTH)}`;
}

/**
 * `{run_id}-{hash}`: the hash covers everything that shapes the provider's answer, so the same request in the same
 * run always gets the same id (replays skip what already succeeded) and different requests never share one. It
 * also covers the job's project: `results` holds one row per custom id, and run ids are chosen by callers, so two
 * projects that picked the same run id would otherwise share each other's results, skips and costs. The charset
 * and length fit every provider (Anthropic 64, Vertex labels 63 lowercase). Custom ids are persistent: this text
 * and this hash must never change (custom-id.test.ts keeps ids of today).
 */
export function deriveCustomId(runId: string, canonicalRequest: unknown): string {
  return idOfCanonicalText(runId, canonicalJson(canonicalRequest));
}

/** What a job's custom ids cover besides each input's request. */
export interface CustomIdScope {
  project: string;
  provider: string;
  model: string;
  kind: string;
  output: unknown;
  /**
   * `options.chat_api` when a job names one other than the default: the same request through another API is another
   * answer. Absent (not null) otherwise, so the ids of jobs on the default API stay what they were before the option
   * existed.
   */
  chatApi?: string;
}

// A NUL never occurs in a job's fields (they are refused at intake): it marks where the request goes.
const REQUEST_SLOT = '\u0000';
const REQUEST_SLOT_JSON = JSON.stringify(REQUEST_SLOT);

/**
 * The custom ids of one job's inputs, as `deriveCustomId(runId, {...scope, request})` gives them: the canonical
 * text of everything but the request is the same for every input, so it is written once and each input only adds
 * its request's canonical JSON (which intake writes anyway, as the request it stores).
 */
export class JobCustomIds {
  private readonly before: string;
  private readonly after: string;

  constructor(
    private readonly runId: string,
    scope: CustomIdScope,
  ) {
    const text = canonicalJson({ ...scope, request: REQUEST_SLOT });
    const at = text.lastIndexOf(REQUEST_SLOT_JSON);
    this.before = text.slice(0, at);
    this.after = text.slice(at + REQUEST_SLOT_JSON.length);
  }

  /** The custom id of a request given as its `canonicalJson` text. */
  of(canonicalRequestJson: string): string {
    return idOfCanonicalText(this.runId, this.before + canonicalRequestJson + this.after);
  }
}
