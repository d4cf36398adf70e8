import { type StreamedUpload, streamedUpload, type UploadProgress } from './streamed-body.js';

export type { UploadProgress };

/**
 * An NDJSON job body, `header` on the first line and one input per line after it, made only as fetch reads it: an
 * input is taken from `inputs` when the stream is asked for more, so a million inputs never sit in memory.
 */
export function ndjsonUpload(
  header: unknown,
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  onProgress?: (progress: UploadProgress) => void,
): StreamedUpload {
  const shape = {
    start: `${JSON.stringify(header)}\n`,
    input: (input: unknown) => `${JSON.stringify(input)}\n`,
    end: '',
  };
  return streamedUpload(shape, inputs, onProgress);
}
