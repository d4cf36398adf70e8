import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { releaseHold } from '../core/response-hold';
import { parseDownloadRange } from '../gcs/content-range';
import { readSmallBody } from '../gcs/receive-body';
import {
  CHECKSUM_ALGORITHMS,
  checksumElement,
  checksumHeader,
  checksumOf,
  parseAlgorithm,
} from './checksums';
import { listObjectsV2, parseListV2Query } from './list-objects';
import type { S3Object, S3ObjectStore } from './object-store';
import { receiveBody } from './receive-body';
import { noSuchKey, s3Error } from './s3-errors';
import type { S3Uploads } from './uploads';
import { children, childText, document, el } from './xml';

const MAX_XML_BYTES = 2 * 1024 * 1024;
const MAX_DELETE_KEYS = 1000;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

interface Target {
  bucket: string;
  /** Empty for a bucket operation. */
  key: string;
  params: URLSearchParams;
}

export interface S3RouteDeps {
  store: S3ObjectStore;
  uploads: S3Uploads;
  /** Bytes stored by a PutObject (parts count when they arrive). */
  onUploaded(bytes: number): void;
}

/**
 * Path-style S3 (`/{bucket}/{key}`): the operations the AWS SDK sends for PutObject, the multipart calls of
 * lib-storage, Head/Get/DeleteObject, DeleteObjects and ListObjectsV2. Dispatch is by method and query, as S3 does;
 * the SDK's `x-id` query parameter is ignored.
 */
export function s3Handler(deps: S3RouteDeps): RequestHandler {
  return async (req, res) => {
    const target = parseTarget(req);
    const { params } = target;
    if (target.key === '') {
      await bucketOperation(req, res, target, deps);
      return;
    }
    if (Buffer.byteLength(target.key) > 1024) {
      throw s3Error(400, 'KeyTooLongError', 'Your key is too long');
    }
    switch (req.method) {
      case 'PUT':
        if (req.headers['x-amz-copy-source']) throw notImplemented('CopyObject');
        if (params.has('uploadId')) await uploadPart(req, res, target, deps);
        else await putObject(req, res, target, deps);
        return;
      case 'POST':
        if (params.has('uploads')) createMultipart(req, res, target, deps);
        else if (params.has('uploadId')) await completeMultipart(req, res, target, deps);
        else throw notImplemented('POST on an object');
        return;
      case 'DELETE':
        if (params.has('uploadId')) {
          deps.uploads.abort(params.get('uploadId')!, target);
        } else {
          deps.store.delete(target.bucket, target.key);
        }
        res.status(204).end();
        return;
      case 'GET':
        if (params.has('uploadId')) throw notImplemented('ListParts');
        await getObject(req, res, findObject(deps.store, target), false);
        return;
      case 'HEAD':
        await getObject(req, res, findObject(deps.store, target), true);
        return;
      default:
        throw s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
  };
}

function parseTarget(req: Request): Target {
  // `req.path` is still percent-encoded: the SDK encodes each key segment, so decode segment by segment.
  const segments = req.path.slice(1).split('/');
  const decode = (segment: string) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw s3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
  };
  const bucket = decode(segments[0] ?? '');
  if (bucket === '') throw notImplemented('ListBuckets');
  if (!BUCKET_NAME.test(bucket)) {
    throw s3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { bucket });
  }
  const query = req.url.indexOf('?');
  return {
    bucket,
    key: segments.slice(1).map(decode).join('/'),
    params: new URLSearchParams(query === -1 ? '' : req.url.slice(query + 1)),
  };
}

/** Every bucket exists (it is created by its first write), so bucket calls other than listing are trivial. */
async function bucketOperation(
  req: Request,
  res: Response,
  target: Target,
  deps: S3RouteDeps,
): Promise<void> {
  const { params, bucket } = target;
  switch (req.method) {
    case 'GET':
      if (params.get('list-type') !== '2') throw notImplemented('this bucket GET (only ListObjectsV2 is)');
      sendXml(res, 200, listObjectsV2(deps.store, bucket, parseListV2Query(params)));
      return;
    case 'HEAD':
      res.status(200).set('x-amz-bucket-region', 'us-east-1').end();
      return;
    case 'PUT':
      await drain(req);
      res.status(200).set('location', `/${bucket}`).end();
      return;
    case 'POST':
      if (!params.has('delete')) throw notImplemented('this bucket POST (only DeleteObjects is)');
      await deleteObjects(req, res, bucket, deps.store);
      return;
    case 'DELETE':
      if (deps.store.objects(bucket).length > 0) {
        throw s3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', { bucket });
      }
      res.status(204).end();
      return;
    default:
      throw s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }
}

async function putObject(req: Request, res: Response, target: Target, deps: S3RouteDeps): Promise<void> {
  const path = deps.store.newBlobPath();
  const received = await receiveBody(req, path);
  const object = deps.store.put({
    bucket: target.bucket,
    key: target.key,
    path,
    size: received.size,
    etag: received.md5Hex,
    lines: received.lines,
    contentType: storedContentType(req),
    metadata: userMetadata(req),
    checksum: received.checksum && { ...received.checksum, type: 'FULL_OBJECT' },
  });
  deps.onUploaded(object.size);
  res.status(200).set('etag', `"${object.etag}"`);
  if (object.checksum) {
    res.set(checksumHeader(object.checksum.algorithm), object.checksum.value);
    res.set('x-amz-checksum-type', 'FULL_OBJECT');
  }
  res.end();
}

function createMultipart(req: Request, res: Response, target: Target, deps: S3RouteDeps): void {
  const rawAlgorithm = req.get('x-amz-checksum-algorithm');
  const algorithm = parseAlgorithm(rawAlgorithm);
  if (rawAlgorithm && !algorithm) {
    throw s3Error(
      400,
      'InvalidRequest',
      `Checksum algorithm ${rawAlgorithm} is not supported by the emulator.`,
    );
  }
  const uploadId = deps.uploads.create({
    bucket: target.bucket,
    key: target.key,
    contentType: storedContentType(req),
    metadata: userMetadata(req),
    algorithm,
  });
  if (algorithm) res.set('x-amz-checksum-algorithm', algorithm).set('x-amz-checksum-type', 'COMPOSITE');
  sendXml(
    res,
    200,
    document(
      'InitiateMultipartUploadResult',
      el('Bucket', target.bucket) + el('Key', target.key) + el('UploadId', uploadId),
    ),
  );
}

async function uploadPart(req: Request, res: Response, target: Target, deps: S3RouteDeps): Promise<void> {
  const uploadId = target.params.get('uploadId')!;
  const part = await deps.uploads.uploadPart(uploadId, target, Number(target.params.get('partNumber')), req);
  res.status(200).set('etag', `"${part.md5Hex}"`);
  // lib-storage lists a part's checksum in Complete only when UploadPart echoed it.
  const algorithm = deps.uploads.algorithmOf(uploadId);
  if (algorithm && part.checksum) res.set(checksumHeader(algorithm), part.checksum);
  res.end();
}

async function completeMultipart(
  req: Request,
  res: Response,
  target: Target,
  deps: S3RouteDeps,
): Promise<void> {
  const xml = await readXml(req);
  const { object, checksum } = await deps.uploads.complete(target.params.get('uploadId')!, target, xml);
  const location = `${req.protocol}://${req.get('host')}${req.baseUrl}/${encodeURIComponent(object.bucket)}/${object.key
    .split('/')
    .map(encodeURIComponent)
    .join('/')}`;
  sendXml(
    res,
    200,
    document(
      'CompleteMultipartUploadResult',
      el('Location', location) +
        el('Bucket', object.bucket) +
        el('Key', object.key) +
        el('ETag', `"${object.etag}"`) +
        (checksum
          ? el(checksumElement(checksum.algorithm), checksum.value) + el('ChecksumType', 'COMPOSITE')
          : ''),
    ),
  );
}

/** DeleteObjects: S3 requires a checksum of the body (`Content-MD5` or a flexible one); a missing key is deleted too. */
async function deleteObjects(
  req: Request,
  res: Response,
  bucket: string,
  store: S3ObjectStore,
): Promise<void> {
  const body = await readXmlBytes(req);
  checkBodyChecksum(req, body);
  const xml = body.toString('utf8');
  const malformed = () =>
    s3Error(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  if (!/<Delete[\s>]/.test(xml)) throw malformed();
  const keys = children(xml, 'Object').map((object) => childText(object, 'Key'));
  if (keys.length === 0 || keys.length > MAX_DELETE_KEYS || keys.some((key) => key === null || key === '')) {
    throw malformed();
  }
  const quiet = childText(xml, 'Quiet') === 'true';
  let inner = '';
  for (const key of keys as string[]) {
    store.delete(bucket, key);
    if (!quiet) inner += `<Deleted>${el('Key', key)}</Deleted>`;
  }
  sendXml(res, 200, document('DeleteResult', inner));
}

function checkBodyChecksum(req: IncomingMessage, body: Buffer): void {
  const md5 = req.headers['content-md5'];
  if (typeof md5 === 'string') {
    if (md5 !== createHash('md5').update(body).digest('base64')) {
      throw s3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    return;
  }
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const sent = req.headers[checksumHeader(algorithm)];
    if (typeof sent !== 'string') continue;
    if (sent !== checksumOf(algorithm, body)) {
      throw s3Error(
        400,
        'BadDigest',
        `The ${algorithm} you specified did not match the calculated checksum.`,
      );
    }
    return;
  }
  throw s3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
}

function findObject(store: S3ObjectStore, target: Target): S3Object {
  const object = store.get(target.bucket, target.key);
  if (!object) throw noSuchKey(target.bucket, target.key);
  return object;
}

/** The object's bytes streamed from disk (or, for HEAD, its headers); one `Range` of bytes when asked. */
async function getObject(req: Request, res: Response, object: S3Object, headOnly: boolean): Promise<void> {
  const range = parseDownloadRange(req.get('range'), object.size);
  if (range === 'unsatisfiable') {
    throw s3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { key: object.key });
  }
  await releaseHold(res);
  res.set({
    'content-type': object.contentType,
    etag: `"${object.etag}"`,
    'last-modified': new Date(object.lastModifiedMs).toUTCString(),
    'accept-ranges': 'bytes',
  });
  for (const [name, value] of Object.entries(object.metadata)) res.set(`x-amz-meta-${name}`, value);
  // The SDK checks a full-object checksum it gets (and skips a composite `…-N` one); none for a part of the bytes.
  if (object.checksum && !range && req.get('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
    res.set(checksumHeader(object.checksum.algorithm), object.checksum.value);
    res.set('x-amz-checksum-type', object.checksum.type);
  }
  if (range) {
    res.status(206);
    res.set('content-range', `bytes ${range.start}-${range.end}/${object.size}`);
    res.set('content-length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.set('content-length', String(object.size));
  }
  if (headOnly || object.size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(object.path, range ?? {}), res);
  } catch {
    // The client went away mid-download: nothing to answer.
    res.destroy();
  }
}

function storedContentType(req: IncomingMessage): string | null {
  const value = req.headers['content-type'];
  return typeof value === 'string' && value !== '' ? value : null;
}

function userMetadata(req: IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value;
  }
  return metadata;
}

async function readXmlBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_XML_BYTES) throw s3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readXml(req: IncomingMessage): Promise<string> {
  const text = await readSmallBody(req as AsyncIterable<Buffer>, MAX_XML_BYTES);
  if (text === null) throw s3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.');
  return text;
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // CreateBucket's configuration is not kept.
  }
}

function sendXml(res: Response, status: number, xml: string): void {
  res.status(status).type('application/xml').send(xml);
}

function notImplemented(what: string) {
  return s3Error(501, 'NotImplemented', `The emulator does not implement ${what}.`);
}
