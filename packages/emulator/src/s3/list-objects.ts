import { isValidPageToken, listPage } from '../gcs/list-objects';
import type { S3Object, S3ObjectStore } from './object-store';
import { s3Error } from './s3-errors';
import { document, el } from './xml';

const MAX_KEYS = 1000;

export interface ListV2Query {
  prefix: string;
  delimiter: string | null;
  maxKeys: number;
  continuationToken: string | null;
  startAfter: string | null;
  encodeKeys: boolean;
}

export function parseListV2Query(params: URLSearchParams): ListV2Query {
  const rawMax = params.get('max-keys');
  let maxKeys = MAX_KEYS;
  if (rawMax !== null && rawMax !== '') {
    const value = Number(rawMax);
    if (!Number.isInteger(value) || value < 0) {
      throw s3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
    }
    maxKeys = Math.min(value, MAX_KEYS);
  }
  const continuationToken = params.get('continuation-token') || null;
  if (continuationToken !== null && !isValidPageToken(continuationToken)) {
    throw s3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
  }
  const encoding = params.get('encoding-type');
  if (encoding !== null && encoding !== 'url')
    throw s3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request');
  return {
    prefix: params.get('prefix') ?? '',
    delimiter: params.get('delimiter') || null,
    maxKeys,
    continuationToken,
    startAfter: params.get('start-after') || null,
    encodeKeys: encoding === 'url',
  };
}

/**
 * One page of ListObjectsV2 as `ListBucketResult` XML: keys in UTF-8 byte order, keys containing the delimiter
 * after the prefix rolled up into `CommonPrefixes` (which count towards `max-keys` and `KeyCount`), and an opaque
 * continuation token.
 */
export function listObjectsV2(store: S3ObjectStore, bucket: string, query: ListV2Query): string {
  const after = query.startAfter;
  const sorted = store
    .objects(bucket, query.prefix)
    .filter((object) => after === null || Buffer.compare(Buffer.from(object.key), Buffer.from(after)) > 0)
    .map((object) => ({ name: object.key, object }));
  const page = listPage(sorted, {
    prefix: query.prefix,
    delimiter: query.delimiter,
    maxResults: query.maxKeys,
    pageToken: query.continuationToken,
  });
  const key = (text: string) => (query.encodeKeys ? encodeURIComponent(text).replace(/%2F/g, '/') : text);
  const contents = page.items.map(({ object }) => `<Contents>${objectXml(object, key)}</Contents>`).join('');
  const prefixes = page.prefixes
    .map((prefix) => `<CommonPrefixes>${el('Prefix', key(prefix))}</CommonPrefixes>`)
    .join('');
  const inner =
    el('Name', bucket) +
    el('Prefix', key(query.prefix)) +
    (query.delimiter === null ? '' : el('Delimiter', key(query.delimiter))) +
    (after === null ? '' : el('StartAfter', key(after))) +
    (query.continuationToken === null ? '' : el('ContinuationToken', query.continuationToken)) +
    el('KeyCount', page.items.length + page.prefixes.length) +
    el('MaxKeys', query.maxKeys) +
    (query.encodeKeys ? el('EncodingType', 'url') : '') +
    el('IsTruncated', page.nextPageToken !== null) +
    contents +
    prefixes +
    (page.nextPageToken === null ? '' : el('NextContinuationToken', page.nextPageToken));
  return document('ListBucketResult', inner);
}

function objectXml(object: S3Object, key: (text: string) => string): string {
  return (
    el('Key', key(object.key)) +
    el('LastModified', new Date(object.lastModifiedMs).toISOString()) +
    el('ETag', `"${object.etag}"`) +
    (object.checksum
      ? el('ChecksumAlgorithm', object.checksum.algorithm) + el('ChecksumType', object.checksum.type)
      : '') +
    el('Size', object.size) +
    el('StorageClass', 'STANDARD')
  );
}
