import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { LineTally } from '../core/line-counter';
import { crc32cBase64, crc32cUpdate } from './crc32c';

export interface Digest {
  size: number;
  /** Base64, as in the object resource. */
  md5Hash: string;
  crc32c: string;
  /** Non-empty lines, counted like the OpenAI emulator's uploads (a Vertex job counts its requests from it). */
  lines: number;
}

/** Size, MD5, CRC32C and line count of an object, fed chunk by chunk as it streams to disk. */
export class ObjectDigest {
  size = 0;
  private crc = 0;
  private readonly md5: Hash = createHash('md5');
  private readonly tally = new LineTally();

  update(chunk: Buffer): void {
    this.size += chunk.length;
    this.crc = crc32cUpdate(this.crc, chunk);
    this.md5.update(chunk);
    this.tally.update(chunk);
  }

  /** Call once, when the object is complete. */
  finish(): Digest {
    return {
      size: this.size,
      md5Hash: this.md5.digest('base64'),
      crc32c: crc32cBase64(this.crc),
      lines: this.tally.lines,
    };
  }
}

export async function digestFile(path: string): Promise<Digest> {
  const digest = new ObjectDigest();
  for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
  return digest.finish();
}
