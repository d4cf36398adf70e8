import { TokenType } from '@streamparser/json';

/** A JSON body that is not JSON: a 400 `invalid_json`, and reading stopped there. */
export class InvalidJsonBodyError extends Error {
  readonly status = 400;
  constructor(detail: string) {
    super(`the request body is not valid JSON: ${detail}`);
    this.name = 'InvalidJsonBodyError';
  }
}

/** Deeper than this is no job: the containers' stack stays small whatever the body. */
export const MAX_JSON_DEPTH = 512;

enum Expect {
  Value,
  ValueOrEndArray,
  KeyOrEndObject,
  Key,
  Colon,
  CommaOrEndObject,
  CommaOrEndArray,
  Done,
}

const OBJECT = 0;
const ARRAY = 1;

const NAMES: Record<number, string> = {
  [TokenType.LEFT_BRACE]: '{',
  [TokenType.RIGHT_BRACE]: '}',
  [TokenType.LEFT_BRACKET]: '[',
  [TokenType.RIGHT_BRACKET]: ']',
  [TokenType.COLON]: ':',
  [TokenType.COMMA]: ',',
  [TokenType.TRUE]: 'true',
  [TokenType.FALSE]: 'false',
  [TokenType.NULL]: 'null',
  [TokenType.STRING]: 'a string',
  [TokenType.NUMBER]: 'a number',
};

const isPrimitive = (token: TokenType) =>
  token === TokenType.STRING ||
  token === TokenType.NUMBER ||
  token === TokenType.TRUE ||
  token === TokenType.FALSE ||
  token === TokenType.NULL;

/**
 * Checks that tokens make one JSON document (the tokenizer only checks each token), and says where each one stands:
 * how deep, and whether it begins a value. It holds one small number per open container, nothing of the values.
 */
export class JsonGrammar {
  private readonly containers: number[] = [];
  private expect = Expect.Value;

  /** Containers open after the last token. */
  get depth(): number {
    return this.containers.length;
  }

  /** Whether the document is complete: one value, closed. */
  get done(): boolean {
    return this.expect === Expect.Done;
  }

  /** Whether the next token is an object's key. */
  get expectsKey(): boolean {
    return this.expect === Expect.Key || this.expect === Expect.KeyOrEndObject;
  }

  /** Takes the next token, at byte `offset`; returns whether it begins a value. Throws `InvalidJsonBodyError`. */
  accept(token: TokenType, offset: number): boolean {
    switch (this.expect) {
      case Expect.ValueOrEndArray:
        if (token === TokenType.RIGHT_BRACKET) {
          this.close();
          return false;
        }
        return this.value(token, offset);
      case Expect.Value:
        return this.value(token, offset);
      case Expect.KeyOrEndObject:
        if (token === TokenType.RIGHT_BRACE) {
          this.close();
          return false;
        }
        return this.key(token, offset);
      case Expect.Key:
        return this.key(token, offset);
      case Expect.Colon:
        if (token !== TokenType.COLON) throw unexpected(token, offset, 'a colon after the key');
        this.expect = Expect.Value;
        return false;
      case Expect.CommaOrEndObject:
        if (token === TokenType.COMMA) this.expect = Expect.Key;
        else if (token === TokenType.RIGHT_BRACE) this.close();
        else throw unexpected(token, offset, 'a comma or }');
        return false;
      case Expect.CommaOrEndArray:
        if (token === TokenType.COMMA) this.expect = Expect.Value;
        else if (token === TokenType.RIGHT_BRACKET) this.close();
        else throw unexpected(token, offset, 'a comma or ]');
        return false;
      case Expect.Done:
        throw new InvalidJsonBodyError(`more data after the end of the document, at byte ${offset}`);
    }
  }

  /** The body ended: throws unless the document was complete. */
  end(offset: number): void {
    if (this.expect !== Expect.Done)
      throw new InvalidJsonBodyError(`the body ended at byte ${offset}, before the document did`);
  }

  private value(token: TokenType, offset: number): boolean {
    if (isPrimitive(token)) {
      this.afterValue();
      return true;
    }
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      if (this.containers.length >= MAX_JSON_DEPTH)
        throw new InvalidJsonBodyError(`nested deeper than ${MAX_JSON_DEPTH} levels, at byte ${offset}`);
      this.containers.push(token === TokenType.LEFT_BRACE ? OBJECT : ARRAY);
      this.expect = token === TokenType.LEFT_BRACE ? Expect.KeyOrEndObject : Expect.ValueOrEndArray;
      return true;
    }
    throw unexpected(token, offset, 'a value');
  }

  private key(token: TokenType, offset: number): boolean {
    if (token !== TokenType.STRING) throw unexpected(token, offset, 'a key (a string)');
    this.expect = Expect.Colon;
    return false;
  }

  /** Closes the open container (the expectation said which kind it is). */
  private close(): void {
    this.containers.pop();
    this.afterValue();
  }

  private afterValue(): void {
    const top = this.containers.at(-1);
    if (top === undefined) this.expect = Expect.Done;
    else this.expect = top === OBJECT ? Expect.CommaOrEndObject : Expect.CommaOrEndArray;
  }
}

function unexpected(token: TokenType, offset: number, wanted: string): InvalidJsonBodyError {
  return new InvalidJsonBodyError(
    `unexpected ${NAMES[token] ?? 'token'} at byte ${offset}, wanted ${wanted}`,
  );
}
