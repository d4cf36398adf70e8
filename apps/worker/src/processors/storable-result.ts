import { type NormalizedResult, normalizedError, type Usage } from '@tranche/adapters';

/**
 * Text Postgres cannot store: a NUL (U+0000: not in `text`, nor as `\u0000` in `jsonb`) and a lone UTF-16
 * surrogate (`jsonb` refuses `\ud800` without its pair; `text` would silently get U+FFFD). One such character in one
 * answer made the whole slice of a thousand results fail on every retry.
 *
 * The answer (text, JSON values and keys, finish reason) is the caller's data: it is never altered. A result whose
 * answer holds such a character fails as `invalid_output` with code `unstorable_text`, its usage kept, and a
 * message naming the character and the field, never the content. Retryable like every `invalid_output`: a
 * deterministic model may well answer the same again, but most such characters are sampling accidents, and the
 * attempts are bounded by `max_attempts`, so the input still ends.
 *
 * What the provider says about the answer (the raw usage object, an error's code and message) is ours to store:
 * those characters become U+FFFD there. So does a custom id, which then matches no input (ours are plain ASCII)
 * and is ignored like any unknown id.
 */

const NUL = /\0/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = new RegExp(`${NUL.source}|${LONE_SURROGATE.source}`, 'g');

/** What in `text` Postgres cannot store, named; null when it can store all of it. */
export function unstorableIn(text: string): string | null {
  if (NUL.test(text)) return 'a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'a lone UTF-16 surrogate';
  return null;
}

/** `text` with each character Postgres cannot store replaced by U+FFFD. */
export function storableText(text: string): string {
  return unstorableIn(text) === null ? text : text.replace(UNSTORABLE, '\uFFFD');
}

export interface Unstorable {
  /** e.g. `a NUL character (U+0000)`. */
  problem: string;
  /** Whether it is in an object's key rather than in a string value. */
  inKey: boolean;
}

/**
 * The first unstorable text in a JSON value, keys included. Walked with a stack of its own, not by recursion: a
 * provider's JSON may nest deeper than the call stack goes.
 */
export function findUnstorable(value: unknown): Unstorable | null {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      const problem = unstorableIn(next);
      if (problem) return { problem, inKey: false };
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (next !== null && typeof next === 'object') {
      for (const [key, item] of Object.entries(next)) {
        const problem = unstorableIn(key);
        if (problem) return { problem, inKey: true };
        pending.push(item);
      }
    }
  }
  return null;
}

// An escape JSON.stringify wrote for a NUL or a lone surrogate (it writes paired surrogates as they are), and not
// an escaped backslash followed by the letters `u0000`: the backslashes before it come in pairs.
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;

/** A JSON value with every unstorable character, in keys and values, replaced by U+FFFD (a copy; the same value when none). */
export function storableJson<T>(value: T): T {
  if (findUnstorable(value) === null) return value;
  return JSON.parse(JSON.stringify(value).replace(UNSTORABLE_ESCAPE, '$1\\ufffd')) as T;
}

function storableUsage(usage: Usage | null): Usage | null {
  if (!usage) return usage;
  const raw = storableJson(usage.raw);
  return raw === usage.raw ? usage : { ...usage, raw };
}

/** Where in a succeeded result's answer Postgres would refuse it, or null (an embedding holds numbers only). */
function answerProblem(output: Extract<NormalizedResult, { status: 'succeeded' }>['output']): string | null {
  const fields: Array<[string, unknown]> = [
    ['text', output.text],
    ['json', output.json],
    ['finishReason', output.finishReason],
  ];
  for (const [field, value] of fields) {
    const found = findUnstorable(value);
    if (found) return `${found.problem} in ${found.inKey ? 'a key of ' : ''}output.${field}`;
  }
  return null;
}

/** A result Postgres can store (see the module's comment): the answer kept whole or failed, the metadata cleaned. */
export function storableResult(result: NormalizedResult): NormalizedResult {
  const customId = storableText(result.customId);
  const usage = storableUsage(result.usage);
  if (result.status === 'failed') {
    const { code, message } = result.error;
    const error = {
      ...result.error,
      code: code === null ? null : storableText(code),
      message: storableText(message),
    };
    return { ...result, customId, usage, error };
  }
  const problem = answerProblem(result.output);
  if (problem === null) return { ...result, customId, usage };
  return {
    customId,
    status: 'failed',
    usage,
    error: normalizedError(
      'invalid_output',
      'unstorable_text',
      `the answer holds ${problem}, which Postgres cannot store`,
    ),
  };
}
