import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Keys are `trk_` + 8 lowercase letters or digits (the visible prefix, unique) + `_` + 43 base64url characters. */
const KEY_FORMAT = /^(trk_[a-z0-9]{8})_[A-Za-z0-9_-]{43}$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A new key: the whole key (shown once), its visible prefix and its SHA-256 (stored). */
export function newApiKey(): { key: string; prefix: string; keySha256: string } {
  const prefix = `trk_${Array.from(randomBytes(8), (b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, keySha256: sha256Hex(key) };
}

/** The prefix of something shaped like a project key, or null. */
export function apiKeyPrefix(token: string): string | null {
  return KEY_FORMAT.exec(token)?.[1] ?? null;
}

/** Equal, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
