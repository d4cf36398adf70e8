import { jsonText, jsonUpload } from './json-body.js';
import { ndjsonUpload, type UploadProgress } from './ndjson-body.js';
import { canStreamUploads } from './stream-support.js';
import type { RequestBody } from './transport.js';
import type { JobHeader, JobInput } from './types.js';

/**
 * A job's inputs: an array (sent as one JSON body, streamed when it is over 1 MiB where fetch can stream an upload),
 * or any iterable or async iterable (streamed as NDJSON, read as it is sent), or a function returning a fresh one
 * each time it is called (streamed, and sent again on a retry).
 */
export type JobInputs =
  | JobInput[]
  | Iterable<JobInput>
  | AsyncIterable<JobInput>
  | (() => Iterable<JobInput> | AsyncIterable<JobInput>);

export type JobToSubmit = JobHeader & { inputs: JobInputs };

export interface SubmissionBody {
  /** The body of one attempt. */
  next(): RequestBody;
  /** Whether `next` can be called again for a retry (an array, or inputs given as a function). */
  replayable: boolean;
}

const JSON_TYPE = 'application/json';
const NDJSON_TYPE = 'application/x-ndjson';

/**
 * A JSON body up to this size is encoded once and sent with its length; a larger one is streamed (never one string:
 * V8 stops at 512 MB), unless this runtime's fetch cannot stream an upload.
 */
const STREAMED_JSON_FROM = 1024 * 1024;

function jsonBody(
  header: JobHeader,
  inputs: JobInput[],
  onUpload?: (p: UploadProgress) => void,
): SubmissionBody {
  const text = jsonText(header, inputs, canStreamUploads() ? STREAMED_JSON_FROM : Number.POSITIVE_INFINITY);
  if (text === null) {
    return {
      replayable: true,
      next: () => {
        const upload = jsonUpload(header, inputs, onUpload);
        return { body: upload.stream, contentType: JSON_TYPE, streamed: true, answered: upload.stop };
      },
    };
  }
  const bytes = new TextEncoder().encode(text);
  const sent = { inputs: inputs.length, bytes: bytes.byteLength };
  return {
    replayable: true,
    next: (): RequestBody => ({
      body: bytes,
      contentType: JSON_TYPE,
      streamed: false,
      answered: () => onUpload?.({ ...sent }),
    }),
  };
}

function streamedBody(
  header: JobHeader,
  open: () => Iterable<JobInput> | AsyncIterable<JobInput>,
  replayable: boolean,
  onUpload?: (p: UploadProgress) => void,
): SubmissionBody {
  return {
    replayable,
    next: () => {
      const upload = ndjsonUpload(header, open(), onUpload);
      return { body: upload.stream, contentType: NDJSON_TYPE, streamed: true, answered: upload.stop };
    },
  };
}

/** How `job` is sent: one JSON document when its inputs are an array, NDJSON streamed from them otherwise. */
export function submissionBody(job: JobToSubmit, onUpload?: (p: UploadProgress) => void): SubmissionBody {
  const { inputs, ...header } = job;
  if (Array.isArray(inputs)) return jsonBody(header, inputs, onUpload);
  if (typeof inputs === 'function') return streamedBody(header, inputs, true, onUpload);
  if (typeof inputs !== 'object' || inputs === null || typeof inputs === 'string')
    throw new TypeError(
      'job.inputs must be an array, an iterable, an async iterable or a function returning one',
    );
  let used = false;
  return streamedBody(
    header,
    () => {
      if (used) throw new Error('these inputs were already read: give a function to send them again');
      used = true;
      return inputs;
    },
    false,
    onUpload,
  );
}
