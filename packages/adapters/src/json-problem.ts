/**
 * Why a text is not JSON, without any of the text: V8's messages quote it (`Unexpected token 'T', "The answer
 * is…" is not valid JSON`), and an answer must not reach an error message or a log. Only the position is kept.
 */
export function jsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/unexpected end of json input/i.test(message)) return 'not valid JSON (it ends too early)';
  const position = /\bat position (\d+)/.exec(message)?.[1];
  return position === undefined ? 'not valid JSON' : `not valid JSON (at position ${position})`;
}
