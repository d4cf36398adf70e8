import type { CodeOptions } from 'ajv/dist/2020.js';
import { RE2JS, RE2JSException } from 're2js';

type RegExpEngine = NonNullable<CodeOptions['regExp']>;
export type RegExpLike = ReturnType<RegExpEngine>;

/**
 * Regular expressions of output schemas (`pattern`, `patternProperties`) run on RE2 (re2js, a pure-JS port):
 * matching takes time linear in the text, whatever the pattern. JavaScript's own engine backtracks, and a pattern
 * such as `^(a+)+$` against `aaaa…b` would hold the worker's event loop for hours. RE2 has no backreferences and no
 * lookaround (`\1`, `(?=…)`, `(?<!…)`), and repeats at most 1000 times (`x{1,1000}`): such a pattern does not compile.
 */
export class UnsupportedPatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
    /** Where the pattern is in its schema, when known: `['properties', 'code', 'pattern']`. */
    readonly path: string[] = [],
  ) {
    super(
      `pattern ${JSON.stringify(pattern)} cannot run in linear time (RE2: no backreferences, no lookaround, ` +
        `repeats up to 1000): ${reason}`,
    );
    this.name = 'UnsupportedPatternError';
  }
}

/** A JSON Schema pattern (ECMA-262 syntax) as RE2 runs it; throws `UnsupportedPatternError`. */
export function compileLinearPattern(pattern: string, path: string[] = []): RegExpLike {
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    if (error instanceof RE2JSException) throw new UnsupportedPatternError(pattern, error.message, path);
    throw error;
  }
  const compiled: RegExpLike & { toString(): string } = {
    // Unanchored, as JSON Schema's `pattern` is.
    test: (text: string) => re2.test(text),
    // Ajv keys its compiled patterns by this string.
    toString: () => `/${pattern}/`,
  };
  return compiled;
}

/**
 * Ajv's `code.regExp` option, taking the patterns compiled already from `compiled`. Ajv passes "u" (its
 * `unicodeRegExp`): RE2 reads patterns as Unicode anyway. `code` is what standalone code would call, which Tranche
 * does not generate.
 */
export function linearRegExpEngine(compiled: ReadonlyMap<string, RegExpLike> = new Map()): RegExpEngine {
  return Object.assign(
    (pattern: string, _flags: string) => compiled.get(pattern) ?? compileLinearPattern(pattern),
    { code: 'linearRegExp' },
  );
}
