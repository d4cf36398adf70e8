import { type BodyShape, type StreamedUpload, streamedUpload, type UploadProgress } from './streamed-body.js';

/** `{...header, "inputs": [...]}`, the inputs last: the API takes them as they arrive, the job being known. */
function jsonShape(header: object): BodyShape {
  const fields = JSON.stringify(header);
  return {
    start: fields === '{}' ? '{"inputs":[' : `${fields.slice(0, -1)},"inputs":[`,
    // As JSON.stringify writes an array's elements (undefined and functions as null).
    input: (input, index) => `${index === 0 ? '' : ','}${JSON.stringify(input) ?? 'null'}`,
    end: ']}',
  };
}

/** The whole JSON body as text when it is at most `maxLength` characters, else null (then it is streamed). */
export function jsonText(header: object, inputs: readonly unknown[], maxLength: number): string | null {
  const shape = jsonShape(header);
  let text = shape.start;
  for (let i = 0; i < inputs.length; i++) {
    text += shape.input(inputs[i], i);
    if (text.length > maxLength) return null;
  }
  return text + shape.end;
}

/** The same JSON body, made only as fetch reads it: a job of a gigabyte is never one string (V8 stops at 512 MB). */
export function jsonUpload(
  header: object,
  inputs: readonly unknown[],
  onProgress?: (progress: UploadProgress) => void,
): StreamedUpload {
  return streamedUpload(jsonShape(header), inputs, onProgress);
}
