import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { LineTally } from '../core/line-counter';
import { crc32cUpdate } from '../gcs/crc32c';

/**
 * The flexible checksums S3 verifies and stores. CRC64NVME is accepted (the SDK can be configured to send it) but
 * neither verified nor stored: no request from Tranche uses it.
 */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** `x-amz-checksum-crc32`, … */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The element of the XML bodies: `ChecksumCRC32`, … */
export function checksumElement(algorithm: ChecksumAlgorithm): string {
  return `Checksum${algorithm}`;
}

export function parseAlgorithm(value: string | undefined | null): ChecksumAlgorithm | null {
  const upper = value?.trim().toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper ?? '')
    ? (upper as ChecksumAlgorithm)
    : null;
}

/** One running checksum; `base64()` is what the headers carry (CRCs as their 4 big-endian bytes). */
export interface Checksummer {
  update(chunk: Uint8Array): void;
  raw(): Buffer;
}

export function checksummer(algorithm: ChecksumAlgorithm): Checksummer {
  switch (algorithm) {
    case 'CRC32':
      return crcChecksummer((crc, chunk) => crc32(chunk, crc));
    case 'CRC32C':
      return crcChecksummer(crc32cUpdate);
    case 'SHA1':
    case 'SHA256':
      return hashChecksummer(createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256'));
  }
}

function crcChecksummer(step: (crc: number, chunk: Uint8Array) => number): Checksummer {
  let crc = 0;
  return {
    update: (chunk) => {
      crc = step(crc, chunk);
    },
    raw: () => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(crc >>> 0, 0);
      return bytes;
    },
  };
}

function hashChecksummer(hash: Hash): Checksummer {
  let digest: Buffer | null = null;
  return {
    update: (chunk) => hash.update(chunk),
    raw: () => {
      digest ??= hash.digest();
      return digest;
    },
  };
}

export function checksumOf(algorithm: ChecksumAlgorithm, bytes: Uint8Array): string {
  const sum = checksummer(algorithm);
  sum.update(bytes);
  return sum.raw().toString('base64');
}

export interface S3Digest {
  size: number;
  /** Hex, unquoted: the ETag of an object uploaded in one request. */
  md5Hex: string;
  /** The checksum asked for, base64, or null. */
  checksum: { algorithm: ChecksumAlgorithm; value: string } | null;
  /** Non-empty lines (a Bedrock job counts its records from it). */
  lines: number;
}

/** Size, MD5, one flexible checksum and the line count of a body, fed chunk by chunk as it streams to disk. */
export class ObjectDigest {
  size = 0;
  private readonly md5 = createHash('md5');
  private readonly sum: Checksummer | null;
  private readonly tally = new LineTally();

  constructor(private readonly algorithm: ChecksumAlgorithm | null) {
    this.sum = algorithm ? checksummer(algorithm) : null;
  }

  update(chunk: Buffer): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    this.sum?.update(chunk);
    this.tally.update(chunk);
  }

  /** Call once, when the body is complete. */
  finish(): S3Digest & { md5Base64: string } {
    const md5 = this.md5.digest();
    return {
      size: this.size,
      md5Hex: md5.toString('hex'),
      md5Base64: md5.toString('base64'),
      checksum:
        this.algorithm && this.sum
          ? { algorithm: this.algorithm, value: this.sum.raw().toString('base64') }
          : null,
      lines: this.tally.lines,
    };
  }
}
