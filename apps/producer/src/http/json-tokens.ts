import { Tokenizer, TokenizerError } from '@streamparser/json';
import { InvalidJsonBodyError } from './json-grammar';

/** What @streamparser/json's tokenizer gathers a string or a number into while its bytes arrive. */
interface TokenText {
  byteLength: number;
  appendChar(char: number): void;
  appendBuf(buf: Uint8Array, start?: number, end?: number): void;
  appendCharCode(code: number): void;
  reset(): void;
  toString(): string;
}

/**
 * The tokenizer's own text builder, except that it keeps at most `cap` bytes of one token: a string of a gigabyte
 * is counted as it streams by, never held (the tokenizer's builder would grow until V8 refuses the string). Past
 * the cap the token's text is cut short; whoever reads it knows from the byte offsets that its value is too large.
 */
class CappedText implements TokenText {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private pending: string[] = [];
  private text = '';
  byteLength = 0;

  constructor(private readonly cap: number) {}

  private keeps(bytes: number): boolean {
    this.byteLength += bytes;
    if (this.byteLength <= this.cap) return true;
    this.pending = [];
    this.text = '';
    return false;
  }

  appendChar(char: number): void {
    if (this.keeps(1)) this.pending.push(String.fromCharCode(char));
  }

  appendBuf(buf: Uint8Array, start = 0, end = buf.length): void {
    if (this.keeps(end - start)) this.pending.push(this.decoder.decode(buf.subarray(start, end)));
  }

  appendCharCode(code: number): void {
    // A lone surrogate from a \u escape: its six bytes are counted by the tokenizer, not here.
    if (this.byteLength <= this.cap) this.pending.push(String.fromCharCode(code));
  }

  reset(): void {
    this.pending = [];
    this.text = '';
    this.byteLength = 0;
  }

  toString(): string {
    if (this.pending.length > 0) {
      this.text += this.pending.join('');
      this.pending = [];
    }
    return this.text;
  }
}

/** The tokenizer's fields its text builders sit in (private to it, and checked to be there). */
interface TokenizerInternals {
  bufferedString: TokenText;
  bufferedNumber: TokenText;
}

/**
 * A JSON tokenizer (@streamparser/json's) that never holds more than `maxTokenBytes` of one string or number, and
 * whose errors are `InvalidJsonBodyError`s. Offsets in its tokens are byte offsets in the stream it was given.
 */
export class BoundedTokenizer extends Tokenizer {
  constructor(maxTokenBytes: number) {
    super();
    const internals = this as unknown as TokenizerInternals;
    if (!('bufferedString' in internals && 'bufferedNumber' in internals))
      throw new Error(
        '@streamparser/json changed: its tokenizer has no bufferedString/bufferedNumber to bound',
      );
    internals.bufferedString = new CappedText(maxTokenBytes);
    internals.bufferedNumber = new CappedText(maxTokenBytes);
  }

  override write(input: Uint8Array): void {
    try {
      super.write(input);
    } catch (error) {
      throw asBodyError(error);
    }
  }

  /** The end of the body: throws when it ends inside a token. */
  override end(): void {
    try {
      super.end();
    } catch (error) {
      throw asBodyError(error);
    }
  }
}

/** The tokenizer's complaints (and invalid UTF-8, which its decoder throws as a TypeError) as a 400. */
function asBodyError(error: unknown): unknown {
  if (error instanceof TokenizerError) {
    const at = /Unexpected "([\s\S])".*absolute position "(\d+)"/.exec(error.message);
    if (at) return new InvalidJsonBodyError(`unexpected ${JSON.stringify(at[1])} at byte ${at[2]}`);
    if (error.message.includes('ended in the middle of a token'))
      return new InvalidJsonBodyError('the body ended in the middle of a value');
    return new InvalidJsonBodyError(error.message);
  }
  if (error instanceof TypeError && /encoded data was not valid/i.test(error.message))
    return new InvalidJsonBodyError('a string is not valid UTF-8');
  return error;
}
