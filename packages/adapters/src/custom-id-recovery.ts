/**
 * The custom id of a result line that is not JSON (a truncated line, a line with a stray byte): the first
 * `"custom_id": "…"` in it, or the first value under the provider's own key (AWS Bedrock's `recordId`). Every
 * provider's line has one before the answer (OpenAI, Mistral and Anthropic at the top level, Vertex in
 * `request.labels` when the id fits a label, Bedrock first on the line), and one inside the answer cannot match
 * first: inside a JSON string its quotes are escaped (`\"custom_id\"`). An id split over several Vertex labels, or
 * an embedding line's key, is not recovered this way. Ids are at most 256 characters, which also bounds the work on
 * a long line.
 */
const patterns = new Map<string, RegExp>();

function idPattern(key: string): RegExp {
  let pattern = patterns.get(key);
  if (!pattern) {
    const quoted = JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`${quoted}\\s*:\\s*"((?:[^"\\\\\\n]|\\\\.){1,256})"`);
    patterns.set(key, pattern);
  }
  return pattern;
}

export function recoverCustomId(text: string, key = 'custom_id'): string | null {
  const match = idPattern(key).exec(text);
  if (!match) return null;
  try {
    // The captured characters are a JSON string's inside: decode its escapes.
    const id: unknown = JSON.parse(`"${match[1]}"`);
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
}
