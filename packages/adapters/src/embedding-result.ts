import { normalizedError } from './errors';
import type { NormalizedResult, Usage } from './types';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The vector of an answer as float32: a JSON array of numbers (each rounded to float32, the precision the models
 * compute in), or the base64 of its little-endian float32 bytes (`encoding_format: "base64"`). A string is a
 * problem when it is not whole float32s; an array when an element is not a finite number. Null with a problem.
 */
export function embeddingVector(values: unknown): { vector: Float32Array } | { problem: string } {
  if (typeof values === 'string') {
    const bytes = Buffer.from(values, 'base64');
    if (bytes.length === 0 || bytes.length % 4 !== 0) {
      return { problem: `a base64 embedding of ${bytes.length} bytes is not whole float32 values` };
    }
    return { vector: float32FromLittleEndian(bytes) };
  }
  if (!Array.isArray(values)) return { problem: 'not an array of numbers nor base64' };
  const vector = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { problem: `element ${i} is not a finite number` };
    }
    vector[i] = value;
  }
  return { vector };
}

/** A copy (aligned, in this machine's order) of little-endian float32 bytes. */
function float32FromLittleEndian(bytes: Buffer): Float32Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const vector = new Float32Array(copy.buffer);
  if (!LITTLE_ENDIAN) {
    const view = new DataView(copy.buffer);
    for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  }
  return vector;
}

/** An embedding line's result: its vector, or a failure when the provider's answer carries none. */
export function embeddingResult(
  customId: string,
  usage: Usage | null,
  values: unknown,
  answer: 'response' | 'prediction',
): NormalizedResult {
  if (values === undefined || values === null) {
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError('unknown', null, `embedding missing from ${answer}`),
    };
  }
  const read = embeddingVector(values);
  if ('problem' in read) {
    return {
      customId,
      status: 'failed',
      usage,
      error: normalizedError(
        'invalid_output',
        'invalid_embedding',
        `the ${answer}'s embedding: ${read.problem}`,
      ),
    };
  }
  return { customId, status: 'succeeded', usage, output: { embedding: read.vector } };
}
