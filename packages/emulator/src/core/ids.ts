import { randomBytes } from 'node:crypto';
import type { Rng } from './prng';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Ids of top-level objects are truly random: an id must not repeat across emulator restarts. */
export function randomBase62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE62[byte % 62];
  return out;
}

export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}

/** Ids inside result files come from a seeded stream, so result files repeat byte for byte. */
export function rngHex(rng: Rng, length: number): string {
  const words = Math.ceil(length / 8);
  const bytes = Buffer.allocUnsafe(words * 4);
  for (let i = 0; i < words; i++) bytes.writeUInt32BE(rng.uint32(), i * 4);
  return bytes.toString('hex', 0, Math.ceil(length / 2)).slice(0, length);
}

export function rngBase62(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[rng.uint32() % 62];
  return out;
}
