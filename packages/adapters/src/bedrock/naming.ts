import { createHash } from 'node:crypto';

/** A job name: `[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}`, at most 63 characters (the API's constraint). */
const MAX_JOB_NAME = 63;

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The job name of a chunk: `tranche-` and the chunk key, its other characters (`_`) as `.`, which the name allows.
 * A key that would make it longer than 63 characters is named by its hash instead: the name is for people and for
 * the listing filter; the chunk is recognised by its token (`clientRequestTokenOf`).
 */
export function jobNameOf(chunkKey: string): string {
  const name = `tranche-${chunkKey.replace(/[^a-zA-Z0-9+.-]/g, '.')}`;
  return name.length <= MAX_JOB_NAME ? name : `tranche-${sha256Hex(chunkKey).slice(0, 48)}`;
}

/**
 * The create call's idempotency token, derived from the chunk key: a create sent again for the chunk (a retry after
 * a lost answer) carries the same token, so Bedrock makes no second job. The job echoes it in Get and in every List
 * summary, where `findExisting` looks for it. Pattern `[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}`: hex fits.
 */
export function clientRequestTokenOf(chunkKey: string): string {
  return `tranche-${sha256Hex(chunkKey)}`;
}

/** A chunk's folder: `{prefix}/{jobId}/{chunkKey}`, the input at `input.jsonl` and Bedrock's output under `out/`. */
export function chunkFolder(prefix: string, jobId: string, chunkKey: string): string {
  return `${prefix}/${safeSegment(jobId)}/${safeSegment(chunkKey)}`;
}

/**
 * Bedrock's S3 URIs allow only letters, digits and `-!_*'().` in a key segment (no space, `=`, `:`, `+`, `%`):
 * anything else becomes `-` and, so that two ids cannot end up as one segment, the segment gets a short hash.
 */
function safeSegment(id: string): string {
  if (/^[-!_*'().a-zA-Z0-9]+$/.test(id)) return id;
  return `${id.replace(/[^-!_*'().a-zA-Z0-9]/g, '-')}-${sha256Hex(id).slice(0, 12)}`;
}

export interface S3Location {
  bucket: string;
  /** Key or prefix, without a leading slash. */
  key: string;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export function parseS3Uri(uri: string): S3Location | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return match ? { bucket: match[1]!, key: match[2]! } : null;
}

/** The 12-character job id, the last segment of its ARN: Bedrock writes a job's output under `{output}/{jobId}/`. */
export function jobIdOf(jobArn: string): string {
  return jobArn.slice(jobArn.lastIndexOf('/') + 1);
}

/** Where a job writes its results: its output URI (with or without a trailing `/`) and its id as a folder. */
export function jobOutputFolder(outputUri: string, jobArn: string): string {
  return `${outputUri.replace(/\/+$/, '')}/${jobIdOf(jobArn)}/`;
}

/**
 * Whether an object of a job's output folder holds records: Bedrock writes `{input file name}.out` for each input
 * file and `manifest.json.out`, which sums the job up (record and token counts) and holds no record.
 */
export function isRecordFile(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.endsWith('.out') && name !== 'manifest.json.out';
}
