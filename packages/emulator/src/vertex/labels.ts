// Google label rules (job labels and GenerateContentRequest.labels alike): at most 64 labels; keys start with a
// lowercase letter; keys and values at most 63 characters of lowercase letters, digits, `_` and `-`
// (international characters allowed).
const KEY = /^\p{Ll}[\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const MAX_LABELS = 64;

/** Null when valid, else why not. */
export function labelsProblem(labels: unknown): string | null {
  if (labels === undefined || labels === null) return null;
  if (typeof labels !== 'object' || Array.isArray(labels)) return 'labels must be a map of strings';
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) return `at most ${MAX_LABELS} labels are allowed`;
  for (const [key, value] of entries) {
    if (!KEY.test(key)) return `label key "${key}" is invalid`;
    if (typeof value !== 'string' || !VALUE.test(value))
      return `label value "${String(value)}" of key "${key}" is invalid`;
  }
  return null;
}
