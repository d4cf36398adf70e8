import type { NulAnswersFault } from './fault-schema';
import type { ModelMessage } from './model';
import { createRng, seedFrom } from './prng';

/** `nul_answers` as a batch holds it: which character, how often, drawn from which seed. */
export interface NulAnswers {
  rate: number;
  char: NulAnswersFault['char'];
  seed: number;
}

const CHARS: Record<NulAnswers['char'], string> = { nul: '\u0000', lone_surrogate: '\uD800' };

/**
 * The character to put in this prompt's answer, or null. Drawn from the prompt itself, so the same request sent
 * again gets it again, as a deterministic model would answer the same.
 */
export function poisonFor(fault: NulAnswers | null | undefined, messages: ModelMessage[]): string | null {
  if (!fault || fault.rate <= 0) return null;
  const prompt = messages.map((m) => `${m.role}\n${m.text}`).join('\n\n');
  return createRng(seedFrom(fault.seed, 'nul-answers', prompt)).next() < fault.rate
    ? CHARS[fault.char]
    : null;
}

/** A text answer with `char` in it, after its first word: the result line carries it as the escape `\u0000`. */
export function poisonText(text: string, char: string): string {
  const at = text.indexOf(' ');
  return at === -1 ? `${text}${char}` : `${text.slice(0, at)}${char}${text.slice(at)}`;
}

/**
 * A structured answer (its JSON text) with `char` inside its first string value, or in a new key when it has
 * none: the text holds only the escape (`\u0000`), the JSON parsed from it holds the character. Text that is not
 * JSON (an `invalid_json_rate` answer) is left as it is.
 */
export function poisonJsonText(text: string, char: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return JSON.stringify(poisonValue(value, char));
}

/** A JSON value with `char` inside its first string value (depth first), or in a new key of an object without one. */
export function poisonValue<T>(value: T, char: string): T {
  if (typeof value === 'string') return `${value}${char}` as T;
  const copy = structuredClone(value);
  if (poisonFirstString(copy, char)) return copy;
  if (copy && typeof copy === 'object' && !Array.isArray(copy)) {
    (copy as Record<string, unknown>)[`note${char}`] = true;
  }
  return copy;
}

function poisonFirstString(value: unknown, char: string): boolean {
  if (!value || typeof value !== 'object') return false;
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, i) => [i, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof item === 'string') {
      (value as Record<string | number, unknown>)[key] = `${item}${char}`;
      return true;
    }
    if (poisonFirstString(item, char)) return true;
  }
  return false;
}
