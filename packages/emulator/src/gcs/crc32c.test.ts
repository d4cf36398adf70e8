import { describe, expect, it } from 'vitest';
import { crc32c, crc32cBase64, crc32cUpdate } from './crc32c';

// Check values from RFC 3720 §B.4 (iSCSI) and the usual "123456789" check value.
describe('crc32c', () => {
  it('matches the published check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('encodes big-endian base64 like GCS', () => {
    expect(crc32cBase64(0)).toBe('AAAAAA==');
    expect(crc32cBase64(0xe3069283)).toBe('4waSgw==');
    // "hello world" as reported by gsutil hash.
    expect(crc32cBase64(crc32c(Buffer.from('hello world')))).toBe('yZRlqg==');
  });

  it('gives the same value however the input is split', () => {
    const data = Buffer.from('Ünïcødé 🎉 and some ASCII to cross the 8-byte fast path several times over.');
    const whole = crc32c(data);
    for (const cut of [0, 1, 7, 8, 9, 31, data.length]) {
      expect(crc32cUpdate(crc32cUpdate(0, data.subarray(0, cut)), data.subarray(cut))).toBe(whole);
    }
  });
});
