import { type ParsedTokenInfo, TokenParser, TokenType } from '@streamparser/json';
import { UnreadableInput } from '../intake/normalize';
import { JobValidationError } from '../intake/validation-error';
import { JsonGrammar } from './json-grammar';
import { BoundedTokenizer } from './json-tokens';

/**
 * One JSON value assembled from its tokens (by @streamparser/json's token parser). The value is kept by a method,
 * not by an `onValue` closure made for each value: with such a closure, V8 promoted nearly every input to the old
 * generation (a 240 MB body grew the heap by about 230 MB until a full collection); with the method, none.
 */
class ValueCapture extends TokenParser {
  /** The value, once its last token came (`value` is the token parser's own). */
  result: unknown;

  constructor() {
    super({ paths: ['$'] });
  }

  override onValue({ value }: { value?: unknown }): void {
    this.result = value;
  }

  take(token: TokenType, value: ParsedTokenInfo['value']): void {
    this.write({ token, value } as ParsedTokenInfo);
  }
}

/** Sets `key` as an own property even when it is `__proto__`, as JSON.parse does. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A job sent as one JSON object, `{...fields, "inputs": [...]}`, parsed as its bytes arrive: the fields other
 * than `inputs` (in any order, before or after it) gather in `header`, and each element of `inputs` is handed
 * over (`take`) as soon as the comma or bracket after it arrived. Nothing grows with the body: an input is held
 * only up to MAX_INPUT_BYTES (a longer one is dropped as it streams by and comes out as an `UnreadableInput` naming
 * its size), and the fields other than inputs together at most MAX_INPUT_BYTES too (as the first line of an
 * NDJSON job). Invalid JSON is an `InvalidJsonBodyError`, a body that is no job object a `JobValidationError`.
 */
export class JsonJobParser {
  readonly header: Record<string, unknown> = {};
  /** `inputs` when it was given but is no array (then no input is read). */
  inputsValue: unknown;
  /** Whether the `inputs` array began: its elements are being read. */
  inputsBegan = false;
  /** Whether a field other than `inputs` began after it: the inputs were read before the job was known. */
  fieldsAfterInputs = false;
  /** False: the inputs are only checked and measured, not assembled (they are to be read again later). */
  keepInputs = true;

  private readonly tokenizer: BoundedTokenizer;
  private readonly grammar = new JsonGrammar();
  private readonly keys = new Set<string>();
  private ready: unknown[] = [];
  /** The value being assembled: a field's, or an input's (null when it is too large to keep). */
  private capture: ValueCapture | null = null;
  /** Byte offset where the next chunk starts. */
  private chunkStart = 0;
  private tokens = 0;

  // The job's field being read: its key, where it began (after the `{` or `,` before it), whether it is the
  // inputs array (whose bytes are the inputs', not the job's).
  private key: string | null = null;
  private memberStart = 0;
  private memberIsInputs = false;
  private headerBytes = 0;

  // The input being read: where it began (after the `[` or `,` before it), whether its value began, whether it
  // is over MAX_INPUT_BYTES.
  private inInputs = false;
  private elementStart = 0;
  private elementBegan = false;
  private elementTooLarge = false;

  constructor(private readonly maxInputBytes: number) {
    this.tokenizer = new BoundedTokenizer(maxInputBytes);
    this.tokenizer.onToken = (token) => this.onToken(token);
  }

  /** Parses the next chunk of the body. */
  write(chunk: Buffer): void {
    if (this.chunkStart === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf)
      chunk = chunk.subarray(3); // a UTF-8 byte order mark, which the tokenizer would leave out of its offsets
    this.tokenizer.write(chunk);
    this.chunkStart += chunk.length;
    this.checkSizes();
  }

  /** The body ended: throws unless it was one whole JSON object. */
  end(): void {
    this.tokenizer.end();
    if (this.tokens === 0) return; // an empty body: a job without any field
    this.grammar.end(this.chunkStart);
  }

  /** The inputs completed since the last call, in order: values, or `UnreadableInput`s. */
  take(): unknown[] {
    const taken = this.ready;
    this.ready = [];
    return taken;
  }

  private onToken({ token, value, offset }: ParsedTokenInfo): void {
    this.tokens += 1;
    const depth = this.grammar.depth;
    const isKey = this.grammar.expectsKey;
    const begins = this.grammar.accept(token, offset);
    if (depth === 0) this.open(token, offset);
    else if (depth === 1) this.fieldToken(token, value, offset, begins, isKey);
    else if (depth === 2 && this.inInputs) this.inputToken(token, value, offset, begins);
    else this.capture?.take(token, value);
  }

  private open(token: TokenType, offset: number): void {
    if (token !== TokenType.LEFT_BRACE)
      throw new JobValidationError([
        { field: '(job)', message: 'must be a JSON object: the job\'s fields and its "inputs" array' },
      ]);
    this.memberStart = offset + 1;
  }

  /** A token directly inside the job's object: a key, a colon, the start of a value, a comma or the end. */
  private fieldToken(
    token: TokenType,
    value: ParsedTokenInfo['value'],
    offset: number,
    begins: boolean,
    isKey: boolean,
  ): void {
    if (token === TokenType.COMMA || token === TokenType.RIGHT_BRACE) {
      this.endField(offset);
      this.memberStart = offset + 1;
      return;
    }
    if (isKey) {
      const key = value as string;
      if (this.keys.has(key))
        throw new JobValidationError([
          { field: key, message: 'given twice: each field of the job appears once' },
        ]);
      this.keys.add(key);
      this.key = key;
      return;
    }
    if (!begins) return; // the colon
    if (this.key === 'inputs' && token === TokenType.LEFT_BRACKET) {
      this.memberIsInputs = true;
      this.inputsBegan = true;
      this.inInputs = true;
      this.elementStart = offset + 1;
      return;
    }
    if (this.inputsBegan) this.fieldsAfterInputs = true;
    this.capture = new ValueCapture();
    this.capture.take(token, value);
  }

  private endField(offset: number): void {
    const { key, capture, memberIsInputs } = this;
    this.key = null;
    this.capture = null;
    this.memberIsInputs = false;
    if (key === null || memberIsInputs) return; // `{}`, or the inputs array
    this.headerBytes += offset - this.memberStart;
    this.checkHeaderBytes(this.headerBytes);
    if (key === 'inputs') this.inputsValue = capture!.result;
    else setOwn(this.header, key, capture!.result);
  }

  /** A token directly inside `inputs`: the start of an input, a comma, or the end of the array. */
  private inputToken(
    token: TokenType,
    value: ParsedTokenInfo['value'],
    offset: number,
    begins: boolean,
  ): void {
    if (token === TokenType.COMMA) {
      this.endInput(offset);
      this.elementStart = offset + 1;
      return;
    }
    if (token === TokenType.RIGHT_BRACKET) {
      if (this.elementBegan) this.endInput(offset);
      this.inInputs = false;
      return;
    }
    if (!begins) return;
    this.elementBegan = true;
    if (this.elementTooLarge || !this.keepInputs) return;
    this.capture = new ValueCapture();
    this.capture.take(token, value);
  }

  private endInput(offset: number): void {
    if (this.keepInputs) this.ready.push(this.inputEndingAt(offset));
    this.capture = null;
    this.elementBegan = false;
    this.elementTooLarge = false;
  }

  private inputEndingAt(offset: number): unknown {
    const bytes = offset - this.elementStart;
    if (this.elementTooLarge || bytes > this.maxInputBytes)
      return new UnreadableInput(
        `this input is ${bytes} bytes, over MAX_INPUT_BYTES (${this.maxInputBytes})`,
      );
    return this.capture!.result;
  }

  /** At the end of each chunk: an input over its limit is let go of, fields over theirs refused. */
  private checkSizes(): void {
    if (this.inInputs) {
      if (!this.elementTooLarge && this.chunkStart - this.elementStart > this.maxInputBytes) {
        this.elementTooLarge = true;
        this.capture = null;
      }
    } else if (this.grammar.depth > 0 && !this.memberIsInputs) {
      this.checkHeaderBytes(this.headerBytes + (this.chunkStart - this.memberStart));
    }
  }

  private checkHeaderBytes(bytes: number): void {
    if (bytes > this.maxInputBytes)
      throw new JobValidationError([
        {
          field: '(job)',
          message: `its fields other than "inputs" are over MAX_INPUT_BYTES (${this.maxInputBytes} bytes)`,
        },
      ]);
  }
}
