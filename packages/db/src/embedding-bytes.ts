/**
 * Embeddings are stored as their float32 values, 4 little-endian bytes each (`results.embedding`, bytea): a
 * 1,536-dimension vector takes 6 KB, where a jsonb array of its decimals took about three times that.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The bytes of a vector (a Float32Array, or an array of numbers rounded to float32); null for anything else. */
export function float32Bytes(vector: unknown): Buffer | null {
  let floats: Float32Array;
  if (vector instanceof Float32Array) floats = vector;
  else if (Array.isArray(vector) && vector.every((x) => typeof x === 'number'))
    floats = Float32Array.from(vector);
  else return null;
  const bytes = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const copy = Buffer.from(bytes);
  copy.swap32();
  return copy;
}

/** The values of stored bytes: exactly the float32 values that were stored. */
export function float32Values(bytes: Uint8Array): Float32Array {
  const count = bytes.byteLength >>> 2;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  const copy = new Uint8Array(count * 4);
  copy.set(bytes.subarray(0, count * 4));
  if (!LITTLE_ENDIAN) Buffer.from(copy.buffer).swap32();
  return new Float32Array(copy.buffer);
}

/**
 * A result's output as stored: an embedding's vector goes to the `embedding` column (base64, as a JSON document
 * carries it to Postgres), the rest of the output, if anything is left, stays JSON.
 */
export function splitEmbedding(output: unknown): { output: unknown; embedding: string | null } {
  if (output === null || typeof output !== 'object' || !('embedding' in output)) {
    return { output: output ?? null, embedding: null };
  }
  const { embedding, ...rest } = output as { embedding: unknown };
  const bytes = float32Bytes(embedding);
  if (bytes === null) return { output, embedding: null };
  return { output: Object.keys(rest).length > 0 ? rest : null, embedding: bytes.toString('base64') };
}

/** Where base64 vectors are decoded: one buffer for the process, grown as needed, so no row allocates its own. */
let scratch = Buffer.alloc(16 * 1024);

/**
 * A stored vector as an array of numbers, from its bytes or their base64 (how results are read: a string decoded
 * into a reused buffer leaves no buffer per row behind). A plain loop: `Array.from` on a typed array is ten times
 * slower.
 */
export function float32Array(stored: Uint8Array | string): number[] {
  let values: Float32Array;
  if (typeof stored === 'string') {
    // 3 bytes for every 4 characters; Postgres's line breaks only make the estimate larger.
    const most = Math.ceil(stored.length / 4) * 3;
    if (scratch.length < most) scratch = Buffer.alloc(most);
    const length = scratch.write(stored, 0, 'base64');
    values = float32Values(scratch.subarray(0, length));
  } else {
    values = float32Values(stored);
  }
  const numbers = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) numbers[i] = values[i]!;
  return numbers;
}

/** The output as the caller sees it: the vector back as an array of numbers, beside whatever else it held. */
export function joinEmbedding(output: unknown, embedding: Uint8Array | string | null): unknown {
  if (embedding === null) return output;
  const rest = output !== null && typeof output === 'object' ? output : {};
  return { ...rest, embedding: float32Array(embedding) };
}
