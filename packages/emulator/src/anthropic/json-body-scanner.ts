const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const isWhitespace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** First bytes of numbers, `true`, `false` and `null`. */
const isScalarStart = (b: number) =>
  b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e;

export class JsonBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonBodyError';
  }
}

export interface ScannerHandlers {
  /** One element of the streamed array, as raw JSON bytes (valid only during the call). */
  element(raw: Buffer, index: number): void;
  /** Any other top-level member, as raw JSON bytes. */
  member(key: string, raw: Buffer): void;
}

enum State {
  BeforeRoot,
  KeyOrEnd,
  Key,
  InKey,
  Colon,
  Value,
  InValue,
  AfterValue,
  ElementOrEnd,
  Element,
  InElement,
  AfterElement,
  Done,
}

type ValueKind = 'string' | 'container' | 'scalar';

/**
 * Scans a JSON object body as it arrives, handing over each element of one top-level array member
 * (`arrayKey`) as soon as it is complete, so a 256 MB body is never held whole: only the element being
 * read is buffered. The structure around values is checked here; each value is checked by `JSON.parse`
 * in the handler.
 */
export class JsonBodyScanner {
  private state = State.BeforeRoot;
  private key = '';
  private readonly keys = new Set<string>();
  private elements = 0;
  private arrayStarted = false;

  // The value being captured: parts from earlier chunks, and where it starts in the current one.
  private parts: Buffer[] = [];
  private start = 0;
  private kind: ValueKind = 'scalar';
  private opened = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private nextBackslash = -1;

  constructor(
    private readonly arrayKey: string,
    private readonly handlers: ScannerHandlers,
  ) {}

  /** Whether the array member was present (even empty). */
  get sawArray(): boolean {
    return this.arrayStarted;
  }

  get elementCount(): number {
    return this.elements;
  }

  write(chunk: Buffer): void {
    this.nextBackslash = -1;
    let i = 0;
    while (i < chunk.length) {
      if (this.isCapturing()) {
        const end = this.scanValue(chunk, i);
        if (end === -1) {
          this.parts.push(chunk.subarray(this.start));
          this.start = 0;
          return;
        }
        this.finishValue(chunk, end);
        i = end;
        continue;
      }
      const b = chunk[i]!;
      if (isWhitespace(b)) i += 1;
      // A value starting at `i` is read from `i` by `scanValue`.
      else if (!this.structural(b, i)) i += 1;
    }
  }

  end(): void {
    if (this.state !== State.Done) throw new JsonBodyError('Unexpected end of JSON input');
  }

  private isCapturing(): boolean {
    return this.state === State.InKey || this.state === State.InValue || this.state === State.InElement;
  }

  /** Handles one non-whitespace byte outside any value; true when it starts a value. */
  private structural(b: number, i: number): boolean {
    switch (this.state) {
      case State.BeforeRoot:
        if (b !== LBRACE) throw unexpected(b, 'the body must be a JSON object');
        this.state = State.KeyOrEnd;
        return false;
      case State.KeyOrEnd:
        if (b === RBRACE) {
          this.state = State.Done;
          return false;
        }
        return this.beginKey(b, i);
      case State.Key:
        return this.beginKey(b, i);
      case State.Colon:
        if (b !== COLON) throw unexpected(b, "expected ':'");
        this.state = State.Value;
        return false;
      case State.Value:
        if (this.key === this.arrayKey && b === LBRACKET) {
          this.arrayStarted = true;
          this.state = State.ElementOrEnd;
          return false;
        }
        return this.beginValue(b, i, State.InValue);
      case State.AfterValue:
        if (b === COMMA) this.state = State.Key;
        else if (b === RBRACE) this.state = State.Done;
        else throw unexpected(b, "expected ',' or '}'");
        return false;
      case State.ElementOrEnd:
        if (b === RBRACKET) {
          this.state = State.AfterValue;
          return false;
        }
        return this.beginValue(b, i, State.InElement);
      case State.Element:
        return this.beginValue(b, i, State.InElement);
      case State.AfterElement:
        if (b === COMMA) this.state = State.Element;
        else if (b === RBRACKET) this.state = State.AfterValue;
        else throw unexpected(b, "expected ',' or ']'");
        return false;
      default:
        throw unexpected(b, 'nothing may follow the body object');
    }
  }

  private beginKey(b: number, i: number): true {
    if (b !== QUOTE) throw unexpected(b, 'expected a property name');
    return this.beginValue(b, i, State.InKey);
  }

  private beginValue(b: number, i: number, state: State): true {
    if (b === QUOTE) this.kind = 'string';
    else if (b === LBRACE || b === LBRACKET) this.kind = 'container';
    else if (isScalarStart(b)) this.kind = 'scalar';
    else throw unexpected(b, 'expected a value');
    this.parts = [];
    this.start = i;
    this.opened = false;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.state = state;
    return true;
  }

  /** Index just past the end of the value being captured, or -1 when it goes on in the next chunk. */
  private scanValue(chunk: Buffer, from: number): number {
    const length = chunk.length;
    let i = from;
    if (this.kind === 'scalar') {
      while (i < length) {
        const b = chunk[i]!;
        if (isWhitespace(b) || b === COMMA || b === RBRACE || b === RBRACKET || b === COLON) return i;
        i += 1;
      }
      return -1;
    }
    if (!this.opened) {
      this.opened = true;
      if (this.kind === 'string') this.inString = true;
      else this.depth = 1;
      i += 1;
    }
    while (i < length) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i += 1;
          continue;
        }
        // Jump to the next quote or backslash: strings are most of a request body.
        if (this.nextBackslash < i) {
          const found = chunk.indexOf(BACKSLASH, i);
          this.nextBackslash = found === -1 ? length : found;
        }
        const quote = chunk.indexOf(QUOTE, i);
        const quoteAt = quote === -1 ? length : quote;
        if (this.nextBackslash < quoteAt) {
          this.escaped = true;
          i = this.nextBackslash + 1;
          continue;
        }
        if (quoteAt === length) return -1;
        this.inString = false;
        i = quoteAt + 1;
        if (this.kind === 'string') return i;
        continue;
      }
      const b = chunk[i]!;
      if (b === QUOTE) this.inString = true;
      else if (b === LBRACE || b === LBRACKET) this.depth += 1;
      else if (b === RBRACE || b === RBRACKET) {
        this.depth -= 1;
        if (this.depth === 0) return i + 1;
      }
      i += 1;
    }
    return -1;
  }

  private finishValue(chunk: Buffer, end: number): void {
    const tail = chunk.subarray(this.start, end);
    const raw = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    this.parts = [];
    switch (this.state) {
      case State.InKey: {
        const key = parseKey(raw);
        if (this.keys.has(key)) throw new JsonBodyError(`${key}: duplicate key`);
        this.keys.add(key);
        this.key = key;
        this.state = State.Colon;
        return;
      }
      case State.InValue:
        this.state = State.AfterValue;
        this.handlers.member(this.key, raw);
        return;
      default:
        this.state = State.AfterElement;
        this.handlers.element(raw, this.elements++);
    }
  }
}

function parseKey(raw: Buffer): string {
  try {
    return JSON.parse(raw.toString('utf8')) as string;
  } catch {
    throw new JsonBodyError('Invalid property name in JSON body');
  }
}

function unexpected(b: number, expectation: string): JsonBodyError {
  return new JsonBodyError(`Unexpected character '${String.fromCharCode(b)}' in JSON body: ${expectation}`);
}
