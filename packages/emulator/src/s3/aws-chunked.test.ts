import { describe, expect, it } from 'vitest';
import { decodeAwsChunked } from './aws-chunked';
import { S3Error } from './s3-errors';

async function decode(pieces: Buffer[]): Promise<{ data: Buffer; trailers: Map<string, string> }> {
  const trailers = new Map<string, string>();
  const out: Buffer[] = [];
  async function* source() {
    yield* pieces;
  }
  for await (const chunk of decodeAwsChunked(source(), trailers)) out.push(Buffer.from(chunk));
  return { data: Buffer.concat(out), trailers };
}

/** Splits `bytes` into pieces of `size`, as a network may deliver them. */
function split(bytes: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

const SIG = `;chunk-signature=${'a'.repeat(64)}`;

describe('aws-chunked decoding', () => {
  const payload = Buffer.from('hello, 世界!\n'.repeat(40));
  const first = payload.subarray(0, 100);
  const second = payload.subarray(100);
  const unsigned = Buffer.concat([
    Buffer.from(`${first.length.toString(16)}\r\n`),
    first,
    Buffer.from(`\r\n${second.length.toString(16)}\r\n`),
    second,
    Buffer.from('\r\n0\r\nx-amz-checksum-crc32:g6GCDg==\r\n\r\n'),
  ]);

  it.each([1, 2, 7, 64, 100_000])(
    'decodes frames and trailers delivered in pieces of %i bytes',
    async (size) => {
      const { data, trailers } = await decode(split(unsigned, size));
      expect(data.equals(payload)).toBe(true);
      expect(trailers.get('x-amz-checksum-crc32')).toBe('g6GCDg==');
    },
  );

  it('accepts chunk-signature extensions and a trailer signature (the signed variants)', async () => {
    const signed = Buffer.concat([
      Buffer.from(`${payload.length.toString(16)}${SIG}\r\n`),
      payload,
      Buffer.from(
        `\r\n0${SIG}\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:${'b'.repeat(64)}\r\n\r\n`,
      ),
    ]);
    const { data, trailers } = await decode(split(signed, 5));
    expect(data.equals(payload)).toBe(true);
    expect(trailers.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
    expect(trailers.get('x-amz-trailer-signature')).toBe('b'.repeat(64));
  });

  it('refuses a body cut short and a malformed frame header', async () => {
    const cut = decode([unsigned.subarray(0, 50)]);
    await expect(cut).rejects.toBeInstanceOf(S3Error);
    await expect(cut).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(decode([Buffer.from('zz\r\nhello\r\n')])).rejects.toMatchObject({ code: 'InvalidRequest' });
    await expect(decode([Buffer.from('5\r\nhelloXX0\r\n\r\n')])).rejects.toMatchObject({
      code: 'InvalidRequest',
    });
  });
});
