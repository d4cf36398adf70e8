/**
 * The custom id travels in `request.labels`, which Vertex echoes in each output line. Label values may only hold
 * lowercase letters, digits, `_` and `-`, at most 63 of them: an id that fits goes as `custom_id`; any other is
 * base32-encoded (lowercase, unpadded) and split over `custom_id_0`, `custom_id_1`, …
 */

const PLAIN = /^[a-z0-9_-]{1,63}$/;
const PLAIN_KEY = 'custom_id';
const PIECE_KEY = /^custom_id_(\d+)$/;
const PIECE_CHARS = 63;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function customIdLabels(customId: string): Record<string, string> {
  if (PLAIN.test(customId)) return { [PLAIN_KEY]: customId };
  const encoded = base32(Buffer.from(customId, 'utf8'));
  const labels: Record<string, string> = {};
  for (let i = 0; i * PIECE_CHARS < Math.max(encoded.length, 1); i++) {
    labels[`${PLAIN_KEY}_${i}`] = encoded.slice(i * PIECE_CHARS, (i + 1) * PIECE_CHARS);
  }
  return labels;
}

/** The custom id in a line's echoed labels, or null when they carry none. */
export function customIdFromLabels(labels: unknown): string | null {
  if (!labels || typeof labels !== 'object') return null;
  const record = labels as Record<string, unknown>;
  if (typeof record[PLAIN_KEY] === 'string') return record[PLAIN_KEY];
  const pieces: Array<[number, string]> = [];
  for (const [key, value] of Object.entries(record)) {
    const match = PIECE_KEY.exec(key);
    if (match && typeof value === 'string') pieces.push([Number(match[1]), value]);
  }
  if (pieces.length === 0) return null;
  pieces.sort((a, b) => a[0] - b[0]);
  return unbase32(pieces.map(([, value]) => value).join('')).toString('utf8');
}

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Buffer {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit === -1) throw new Error(`vertex: invalid custom id label piece: ${text.slice(0, 80)}`);
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}
