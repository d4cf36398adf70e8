import type { z } from 'zod';

/** A refused query parameter of any route: a 400 `invalid_query` whose `parameter` names it. */
export class QueryParameterError extends Error {
  readonly status = 400;
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
    this.name = 'QueryParameterError';
  }
}

/**
 * A route's query string checked against its contract schema (a strict object). The first refusal is thrown as a
 * `Refusal` (a QueryParameterError of the caller's kind) naming its parameter: an unknown one, a value outside a
 * list, a repeated one (Express makes it an array), or one out of range.
 */
export function parseQuery<T extends z.ZodObject>(
  schema: T,
  query: unknown,
  Refusal: new (parameter: string, message: string) => QueryParameterError = QueryParameterError,
): z.output<T> {
  // zod leaves the refused value out of an issue unless asked: the message quotes it.
  const parsed = schema.safeParse(query, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys')
    throw new Refusal(issue.keys[0]!, `unknown parameter; expected ${Object.keys(schema.shape).join(', ')}`);
  const parameter = String(issue.path[0] ?? 'query');
  if (issue.code === 'invalid_value' && typeof issue.input === 'string')
    throw new Refusal(parameter, `expected ${issue.values.join(' or ')}, got "${issue.input}"`);
  if (issue.code === 'invalid_type' && Array.isArray(issue.input))
    throw new Refusal(parameter, 'give it once, as a plain value');
  throw new Refusal(parameter, issue.message);
}
