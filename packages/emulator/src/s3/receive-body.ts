import { open, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { writeAll } from '../gcs/receive-body';
import { decodeAwsChunked } from './aws-chunked';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  ObjectDigest,
  parseAlgorithm,
  type S3Digest,
} from './checksums';
import { s3Error } from './s3-errors';

export interface ReceivedBody extends S3Digest {
  /** The checksum the client sent (header or trailer) and S3 checked, or null. */
  sent: { algorithm: ChecksumAlgorithm; value: string } | null;
}

/** Whether the body is `aws-chunked` (§ "sigv4-streaming" of S3's docs): by encoding, or by the payload hash. */
export function isAwsChunked(req: IncomingMessage): boolean {
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  const payload = String(req.headers['x-amz-content-sha256'] ?? '');
  return (
    encoding.split(',').some((part) => part.trim() === 'aws-chunked') || payload.startsWith('STREAMING-')
  );
}

/**
 * Streams a PutObject / UploadPart body to `path` (decoding `aws-chunked`), then checks what the client asked to be
 * checked: `x-amz-decoded-content-length`, `Content-MD5`, and the flexible checksum in a header or a trailer.
 * On any failure the file is removed.
 */
export async function receiveBody(
  req: IncomingMessage,
  path: string,
  /** The algorithm to compute when the request announces none (a multipart upload's). */
  fallback: ChecksumAlgorithm | null = null,
): Promise<ReceivedBody> {
  const chunked = isAwsChunked(req);
  const trailers = new Map<string, string>();
  const algorithm = announcedAlgorithm(req) ?? fallback;
  const digest = new ObjectDigest(algorithm);
  const file = await open(path, 'w');
  try {
    try {
      const source = chunked ? decodeAwsChunked(req, trailers) : req;
      for await (const chunk of source) {
        await writeAll(file, chunk as Buffer);
        digest.update(chunk as Buffer);
      }
    } finally {
      await file.close();
    }
    const received = digest.finish();
    const declared = req.headers['x-amz-decoded-content-length'];
    if (chunked && declared !== undefined && Number(declared) !== received.size) {
      throw s3Error(
        400,
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header.',
      );
    }
    const md5 = req.headers['content-md5'];
    if (typeof md5 === 'string' && md5 !== received.md5Base64) {
      throw s3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    let sent: ReceivedBody['sent'] = null;
    if (algorithm && received.checksum) {
      const name = checksumHeader(algorithm);
      const value = headerValue(req, name) ?? trailers.get(name) ?? null;
      if (value !== null) {
        // The wording of S3's answer is our guess; the code is the one S3 documents.
        if (value !== received.checksum.value) {
          throw s3Error(
            400,
            'BadDigest',
            `The ${algorithm} you specified did not match the calculated checksum.`,
          );
        }
        sent = { algorithm, value };
      }
    }
    const { md5Base64: _md5, ...rest } = received;
    return { ...rest, sent };
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

/** The algorithm of the checksum the client sends, whether as a header now or as a trailer later. */
function announcedAlgorithm(req: IncomingMessage): ChecksumAlgorithm | null {
  for (const algorithm of CHECKSUM_ALGORITHMS)
    if (headerValue(req, checksumHeader(algorithm))) return algorithm;
  const trailer = headerValue(req, 'x-amz-trailer');
  if (trailer?.toLowerCase().startsWith('x-amz-checksum-')) {
    return parseAlgorithm(trailer.slice('x-amz-checksum-'.length));
  }
  return parseAlgorithm(headerValue(req, 'x-amz-sdk-checksum-algorithm'));
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}
