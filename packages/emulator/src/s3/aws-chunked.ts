import { s3Error } from './s3-errors';

const CR = 13;
const LF = 10;
/** A size line or a trailer line longer than this is not `aws-chunked`. */
const MAX_LINE = 8 * 1024;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes an `aws-chunked` body (what the SDK sends for a stream PutObject with a checksum): frames of
 * `hex-size[;chunk-signature=…]\r\n<bytes>\r\n`, a `0` frame, trailer lines `name:value\r\n`, and a final `\r\n`.
 * Frames do not line up with network reads, so the decoder keeps its place across chunks. Yields only data bytes;
 * trailers (lower-cased names) land in `trailers`. Signatures are not checked, as no other signature is.
 */
export async function* decodeAwsChunked(
  source: AsyncIterable<Buffer>,
  trailers: Map<string, string>,
): AsyncGenerator<Buffer> {
  let state: State = 'size';
  let line: number[] = [];
  let remaining = 0;
  let endBytes = 0;

  const takeLine = (chunk: Buffer, start: number): { text: string | null; next: number } => {
    let at = start;
    while (at < chunk.length) {
      const byte = chunk[at++]!;
      if (byte === LF && line.at(-1) === CR) {
        const text = Buffer.from(line.slice(0, -1)).toString('latin1');
        line = [];
        return { text, next: at };
      }
      line.push(byte);
      if (line.length > MAX_LINE) throw malformed('an aws-chunked frame header is too long');
    }
    return { text: null, next: at };
  };

  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      switch (state) {
        case 'size': {
          const { text, next } = takeLine(chunk, at);
          at = next;
          if (text === null) break;
          const match = /^([0-9a-fA-F]{1,16})(?:;.*)?$/.exec(text);
          if (!match) throw malformed(`invalid aws-chunked frame header "${text.slice(0, 80)}"`);
          remaining = Number.parseInt(match[1]!, 16);
          state = remaining === 0 ? 'trailer' : 'data';
          break;
        }
        case 'data': {
          const take = Math.min(remaining, chunk.length - at);
          yield chunk.subarray(at, at + take);
          at += take;
          remaining -= take;
          if (remaining === 0) {
            state = 'data-end';
            endBytes = 0;
          }
          break;
        }
        case 'data-end': {
          const byte = chunk[at++]!;
          if (byte !== (endBytes === 0 ? CR : LF))
            throw malformed('an aws-chunked frame does not end in CRLF');
          endBytes += 1;
          if (endBytes === 2) state = 'size';
          break;
        }
        case 'trailer': {
          const { text, next } = takeLine(chunk, at);
          at = next;
          if (text === null) break;
          if (text === '') state = 'done';
          else addTrailer(trailers, text);
          break;
        }
        case 'done':
          // Anything after the final CRLF is not part of the encoding.
          if (chunk.subarray(at).toString('latin1').trim() !== '')
            throw malformed('data after the last frame');
          at = chunk.length;
          break;
      }
    }
  }
  // Lenient about the very last CRLF: the trailers are all there.
  if (state === 'trailer') {
    const rest = Buffer.from(line).toString('latin1').replace(/\r$/, '');
    if (rest !== '') addTrailer(trailers, rest);
    return;
  }
  if (state !== 'done') {
    throw s3Error(
      400,
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    );
  }
}

function addTrailer(trailers: Map<string, string>, text: string): void {
  const colon = text.indexOf(':');
  if (colon <= 0) throw malformed(`invalid trailer "${text.slice(0, 80)}"`);
  trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
}

function malformed(detail: string) {
  return s3Error(400, 'InvalidRequest', `Malformed aws-chunked body: ${detail}.`);
}
