import { z } from 'zod';

/**
 * A NUL, or a UTF-16 surrogate without its pair (in `u` mode a well-formed pair is one code point and does not
 * match). JSON can carry both as `\u0000` and `\ud800`; Postgres stores neither (text nor jsonb) and no provider
 * takes them, so they are refused at intake instead of failing the write.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL is exactly what is looked for
const UNSAFE = /[\u0000\uD800-\uDFFF]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL is exactly what is looked for
const EVERY_UNSAFE = /[\u0000\uD800-\uDFFF]/gu;

/** Why the text cannot be stored and sent, or null. */
export function textProblem(text: string): string | null {
  const found = UNSAFE.exec(text);
  if (!found) return null;
  return found[0] === '\u0000'
    ? 'contains a NUL character (\\u0000)'
    : 'contains a lone surrogate (not valid Unicode)';
}

/** The text with each NUL and lone surrogate shown as `?` (to name a key that has one). */
export function maskUnsafe(text: string): string {
  return text.replace(EVERY_UNSAFE, '?');
}

/** A zod refinement refusing unsafe text (for string schemas other than `safeString`, e.g. `z.url()`). */
export function refuseUnsafeText(text: string, ctx: z.RefinementCtx): void {
  const problem = textProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}

/**
 * A string that Postgres can store and a provider can take: no NUL, no lone surrogate. A plain check, not
 * `superRefine`: zod's superRefine hangs a closure on each parse's payload, which keeps the string alive through
 * young-generation collections (an 80 KB prompt was promoted to the old generation, and an intake of 1 GB grew the
 * API's heap by about as much until a full collection).
 */
export function safeString() {
  return z.string().check((ctx) => {
    const problem = textProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value, continue: true });
  });
}
