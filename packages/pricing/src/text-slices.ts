/**
 * Cuts text into slices of at most `maxChars` UTF-16 units for a BPE tokenizer. gpt-tokenizer's merge loop is
 * quadratic in the length of one pre-tokenized piece (a run without spaces or punctuation), so 80 KB of such a run
 * took seconds on the event loop; a slice bounds the piece, and counting slice by slice is linear in the text.
 *
 * Where it can, a slice ends where OpenAI's pre-tokenizers (cl100k_base and o200k_base) end a piece anyway, so the
 * counts of the slices add up to the count of the text exactly:
 * - before a space (U+0020) that follows a character other than whitespace: no piece runs on through a space, and
 *   the space begins the next piece (` word`, ` 123`, ` (`) whether or not the text before it is there;
 * - before ASCII punctuation other than `'` that follows an ASCII letter or digit: letter and number pieces stop
 *   there, and the punctuation begins the next piece (`'` is left out: `'s`, `'re`... belong to the word before).
 * A run with neither for `maxChars / 2` characters is cut at `maxChars` (never inside a surrogate pair): a forced
 * cut, where the count can differ from the whole text's by a few tokens (see docs/costs.md).
 */

export interface TextSlice {
  start: number;
  end: number;
  /** The cut at `end` is not a piece boundary: the count may be off by a few tokens there. */
  forced: boolean;
}

const SPACE = 0x20;

const WHITESPACE = /\s/;

/** `\s` as the pre-tokenizers' regular expressions read it. */
function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === SPACE || (code >= 0x09 && code <= 0x0d);
  return WHITESPACE.test(String.fromCharCode(code));
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isAsciiPunctuation(code: number): boolean {
  return code > 0x20 && code < 0x7f && code !== 0x27 && !isAsciiAlphanumeric(code);
}

/** True when a slice may end before `text[i]` without changing how either side is pre-tokenized. */
function isPieceBoundary(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  const before = text.charCodeAt(i - 1);
  if (code === SPACE) return !isWhitespace(before);
  return isAsciiPunctuation(code) && isAsciiAlphanumeric(before);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The slices of `text`, in order; together they are the whole text. */
export function* textSlices(text: string, maxChars: number): Generator<TextSlice> {
  if (maxChars < 4) throw new RangeError('maxChars must be at least 4');
  let start = 0;
  while (start < text.length) {
    const limit = start + maxChars;
    if (limit >= text.length) {
      yield { start, end: text.length, forced: false };
      return;
    }
    let end = -1;
    for (let i = limit; i > start + maxChars / 2; i--) {
      if (isPieceBoundary(text, i)) {
        end = i;
        break;
      }
    }
    const forced = end === -1;
    if (forced) end = isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;
    yield { start, end, forced };
    start = end;
  }
}
