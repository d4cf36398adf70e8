import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { BlobStore } from '../core/blob-store';
import { randomBase62 } from '../core/ids';
import { writeAll } from '../gcs/receive-body';
import { type ChecksumAlgorithm, checksumElement, checksumOf, ObjectDigest } from './checksums';
import type { S3Object, S3ObjectStore } from './object-store';
import { receiveBody } from './receive-body';
import { noSuchUpload, s3Error } from './s3-errors';
import { children, childText } from './xml';

/** S3's rule: every part but the last holds at least 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

interface Part {
  path: string;
  size: number;
  md5Hex: string;
  /** The part's checksum in the upload's algorithm, base64. */
  checksum: string | null;
}

interface Upload {
  id: string;
  bucket: string;
  key: string;
  contentType: string | null;
  metadata: Record<string, string>;
  algorithm: ChecksumAlgorithm | null;
  parts: Map<number, Part>;
  /** Set once completed: a repeated Complete (its answer lost) answers the same. */
  completed: CompletedUpload | null;
}

export interface CompletedUpload {
  object: S3Object;
  checksum: { algorithm: ChecksumAlgorithm; value: string } | null;
}

export interface NewUpload {
  bucket: string;
  key: string;
  contentType: string | null;
  metadata: Record<string, string>;
  algorithm: ChecksumAlgorithm | null;
}

/** Multipart uploads in progress; each part is its own file until Complete joins them into the object. */
export class S3Uploads {
  private uploads = new Map<string, Upload>();

  constructor(
    private readonly store: S3ObjectStore,
    private readonly blobs: BlobStore,
    private readonly onUploaded: (bytes: number) => void,
  ) {}

  create(input: NewUpload): string {
    const id = randomBase62(48);
    this.uploads.set(id, { id, ...input, parts: new Map(), completed: null });
    return id;
  }

  /** Parts arrive concurrently and in any order; a part sent again replaces the earlier one. */
  async uploadPart(
    uploadId: string,
    target: { bucket: string; key: string },
    partNumber: number,
    req: IncomingMessage,
  ): Promise<Part> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw s3Error(
        400,
        'InvalidArgument',
        `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
      );
    }
    const upload = this.require(uploadId, target);
    if (upload.completed) throw noSuchUpload(uploadId);
    const path = this.blobs.newPath(`s3-part-${uploadId.slice(0, 8)}`);
    const received = await receiveBody(req, path, upload.algorithm);
    if (!this.uploads.has(uploadId) || upload.completed) {
      // Aborted (or completed) while the part streamed in.
      this.blobs.discard([path]);
      throw noSuchUpload(uploadId);
    }
    const checksum =
      upload.algorithm && received.checksum?.algorithm === upload.algorithm ? received.checksum.value : null;
    if (upload.algorithm && checksum === null) {
      this.blobs.discard([path]);
      throw s3Error(
        400,
        'InvalidRequest',
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.algorithm.toLowerCase()}, actual checksum Type: ${received.checksum?.algorithm.toLowerCase() ?? 'null'}`,
      );
    }
    const part: Part = { path, size: received.size, md5Hex: received.md5Hex, checksum };
    const previous = upload.parts.get(partNumber);
    upload.parts.set(partNumber, part);
    if (previous) this.blobs.discard([previous.path]);
    this.onUploaded(received.size);
    return part;
  }

  algorithmOf(uploadId: string): ChecksumAlgorithm | null {
    return this.uploads.get(uploadId)?.algorithm ?? null;
  }

  /** Joins the listed parts (ascending, each as uploaded) into the object; the parts not listed are dropped. */
  async complete(
    uploadId: string,
    target: { bucket: string; key: string },
    xml: string,
  ): Promise<CompletedUpload> {
    const upload = this.require(uploadId, target);
    if (upload.completed) return upload.completed;
    const listed = parseCompleteBody(xml, upload.algorithm);
    const chosen: Part[] = [];
    // The order is checked first, over the whole list, as a list out of order says nothing about its parts.
    for (let i = 1; i < listed.length; i++) {
      if (listed[i]!.partNumber <= listed[i - 1]!.partNumber) {
        throw s3Error(
          400,
          'InvalidPartOrder',
          'The list of parts was not in ascending order. Parts must be ordered by part number.',
          { uploadId },
        );
      }
    }
    for (const [index, entry] of listed.entries()) {
      const part = upload.parts.get(entry.partNumber);
      const etagMatches = part && entry.etag.replace(/"/g, '') === part.md5Hex;
      const checksumMatches = part && (entry.checksum === null || entry.checksum === part.checksum);
      if (!part || !etagMatches || !checksumMatches) {
        throw s3Error(
          400,
          'InvalidPart',
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          { uploadId },
        );
      }
      if (index < listed.length - 1 && part.size < MIN_PART_BYTES) {
        throw s3Error(
          400,
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed object size.',
          { uploadId },
        );
      }
      chosen.push(part);
    }

    const path = this.blobs.newPath('s3');
    const digest = new ObjectDigest(null);
    const file = await open(path, 'w');
    try {
      for (const part of chosen) {
        for await (const chunk of createReadStream(part.path)) {
          await writeAll(file, chunk as Buffer);
          digest.update(chunk as Buffer);
        }
      }
    } finally {
      await file.close();
    }
    const whole = digest.finish();
    const partMd5s = Buffer.concat(chosen.map((part) => Buffer.from(part.md5Hex, 'hex')));
    const etag = `${createHash('md5').update(partMd5s).digest('hex')}-${chosen.length}`;
    // S3's default for a multipart checksum: a checksum of the parts' checksums, suffixed with the part count.
    const checksum = upload.algorithm
      ? {
          algorithm: upload.algorithm,
          value: `${checksumOf(upload.algorithm, Buffer.concat(chosen.map((part) => Buffer.from(part.checksum!, 'base64'))))}-${chosen.length}`,
        }
      : null;
    const object = this.store.put({
      bucket: upload.bucket,
      key: upload.key,
      path,
      size: whole.size,
      etag,
      lines: whole.lines,
      contentType: upload.contentType,
      metadata: upload.metadata,
      checksum: checksum && { ...checksum, type: 'COMPOSITE' },
    });
    this.blobs.discard([...upload.parts.values()].map((part) => part.path));
    upload.parts.clear();
    upload.completed = { object, checksum };
    return upload.completed;
  }

  abort(uploadId: string, target: { bucket: string; key: string }): void {
    const upload = this.require(uploadId, target);
    this.uploads.delete(uploadId);
    this.blobs.discard([...upload.parts.values()].map((part) => part.path));
  }

  /** Drops every upload; returns nothing, their part files are removed. */
  reset(): void {
    for (const upload of this.uploads.values())
      this.blobs.discard([...upload.parts.values()].map((p) => p.path));
    this.uploads = new Map();
  }

  private require(uploadId: string, target: { bucket: string; key: string }): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== target.bucket || upload.key !== target.key) throw noSuchUpload(uploadId);
    return upload;
  }
}

interface ListedPart {
  partNumber: number;
  etag: string;
  checksum: string | null;
}

function parseCompleteBody(xml: string, algorithm: ChecksumAlgorithm | null): ListedPart[] {
  const malformed = () =>
    s3Error(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) throw malformed();
  const parts = children(xml, 'Part').map((part) => {
    const number = Number(childText(part, 'PartNumber'));
    const etag = childText(part, 'ETag');
    if (!Number.isInteger(number) || etag === null) throw malformed();
    return {
      partNumber: number,
      etag,
      checksum: algorithm ? childText(part, checksumElement(algorithm)) : null,
    };
  });
  if (parts.length === 0) throw malformed();
  return parts;
}
