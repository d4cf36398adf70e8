import { poisonJsonText, poisonText } from './answer-poison';
import { sha256Hex } from './hash';
import { jsonSchemaInstance } from './json-schema-instance';
import { createRng } from './prng';

/**
 * The deterministic stand-in model every provider uses: the reply is derived from the prompt,
 * and tokens are ceil(utf8 bytes / 4), so tests can compute expected usage.
 */

export interface ModelMessage {
  role: string;
  text: string;
}

export type ReplyFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; schema: unknown };

export interface ModelRequest {
  messages: ModelMessage[];
  maxTokens?: number | null;
  format?: ReplyFormat;
  /** Fault: answer a JSON format with text that does not parse. */
  corruptJson?: boolean;
  /**
   * Fault (`nul_answers`): a character Postgres cannot store, put raw in a text answer and inside a string value of
   * a structured one (whose text then holds only its escape).
   */
  poison?: string | null;
}

export interface ModelReply {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length';
}

const ECHO_CHARS = 60;

export function countTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

export function countPromptTokens(messages: ModelMessage[]): number {
  let bytes = 0;
  for (const message of messages) bytes += Buffer.byteLength(message.text, 'utf8');
  return Math.ceil(bytes / 4);
}

/** `Echo <8 hex of sha256(prompt)>: <first 60 code points of the last user message>`. */
export function echoText(messages: ModelMessage[]): string {
  const digest = sha256Hex(messages.map((m) => `${m.role}\n${m.text}`).join('\n\n')).slice(0, 8);
  let lastUser = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      lastUser = messages[i]!.text;
      break;
    }
  }
  return `Echo ${digest}: ${firstCodePoints(lastUser, ECHO_CHARS)}`;
}

export function generateReply(request: ModelRequest): ModelReply {
  const format = request.format ?? { type: 'text' };
  let text: string;
  if (format.type === 'json_schema') text = JSON.stringify(jsonSchemaInstance(format.schema));
  else if (format.type === 'json_object') text = JSON.stringify({ echo: echoText(request.messages) });
  else text = echoText(request.messages);
  if (request.corruptJson && format.type !== 'text') text = corruptJson(text);
  if (request.poison) {
    text = format.type === 'text' ? poisonText(text, request.poison) : poisonJsonText(text, request.poison);
  }

  const promptTokens = countPromptTokens(request.messages);
  const max = request.maxTokens;
  if (max !== undefined && max !== null && countTokens(text) > max) {
    const cut = truncateToBytes(text, max * 4);
    return { text: cut, promptTokens, completionTokens: countTokens(cut), finishReason: 'length' };
  }
  return { text, promptTokens, completionTokens: countTokens(text), finishReason: 'stop' };
}

/**
 * A unit vector derived from `digest` (e.g. sha256 of the input), so equal inputs embed equally. Its values are
 * float32 values, as the providers' models compute them: written as base64 they are exactly these numbers.
 */
export function embeddingVector(digest: Buffer, dimensions: number): number[] {
  const rng = createRng(digest.readUInt32LE(0) ^ digest.readUInt32LE(4));
  const vector = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = rng.next() * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) vector[i] = Math.fround(vector[i]! * scale);
  return vector;
}

/** The little-endian float32 bytes of `vector` in base64: what `encoding_format: "base64"` answers. */
export function base64Vector(vector: number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}

function firstCodePoints(text: string, count: number): string {
  let out = '';
  let taken = 0;
  for (const codePoint of text) {
    if (taken++ >= count) break;
    out += codePoint;
  }
  return out;
}

function truncateToBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const codePoint of text) {
    const size = Buffer.byteLength(codePoint, 'utf8');
    if (bytes + size > maxBytes) break;
    out += codePoint;
    bytes += size;
  }
  return out;
}

function corruptJson(text: string): string {
  const cut = text.slice(0, -1);
  try {
    JSON.parse(cut);
  } catch {
    return cut;
  }
  return `${text}}`;
}
