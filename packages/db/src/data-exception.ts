import postgres from 'postgres';

/**
 * The SQLSTATE of an error Postgres raised because of the data a statement carried: class 22, "data exception"
 * (22P05 a NUL in jsonb, 22P02 a lone UTF-16 surrogate in jsonb, 22021 a NUL in text, 22003 a number out of
 * range). Sending the same data again fails the same way. Null for anything else: a lost connection, a timeout or
 * a conflict, which another try may get past.
 */
export function dataExceptionCode(error: unknown): string | null {
  if (!(error instanceof postgres.PostgresError)) return null;
  return typeof error.code === 'string' && error.code.startsWith('22') ? error.code : null;
}
