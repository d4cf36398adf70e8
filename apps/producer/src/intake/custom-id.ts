import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth: equal requests give equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
export const HASH_LENGTH = 26; // 130 bits

function base32(bytes: Buffer, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= length) break;
  }
  return out;
}

export const CUSTOM_ID_PATTERN = /^[a-z0-9_-]{1,63}$/;

/**
 * `{run_id}-{hash}`: the hash covers everything that shapes the provider's answer, so the same request in the same
 * run always gets the same id (replays skip what already succeeded) and different requests never share one. It
 * also covers the job's project: `results` holds one row per custom id, and run ids are chosen by callers, so two
 * projects that picked the same run id would otherwise share each other's results, skips and costs. The charset
 * and length fit every provider (Anthropic 64, Vertex labels 63 lowercase).
 */
export function deriveCustomId(runId: string, canonicalRequest: unknown): string {
  const hash = base32(createHash('sha256').update(canonicalJson(canonicalRequest)).digest(), HASH_LENGTH);
  return `${runId}-${hash}`;
}
