import type { Sql } from '../client';

/**
 * A slice of results goes to Postgres as one array per column, `unnest`ed back into rows in the statement, instead
 * of one jsonb document of row objects: Postgres parsed the document, then converted each field again
 * (`jsonb_to_recordset`), which cost about half as much CPU as storing the rows; arrays take a fraction of that, and
 * `unnest` of a parameter tells the planner how many rows there are.
 *
 * Every array is sent as text[] (or int[]) and its elements cast in the statement (`r.output::jsonb`): postgres.js
 * serialises an array by the type Postgres gives its parameter, so a jsonb[] parameter would get each element
 * written as JSON once more (a JSON string), and a boolean[] one would read each element as a JS boolean.
 *
 * Not COPY into a temporary table: when Postgres refuses a row of a COPY after postgres.js has sent the end of the
 * data, postgres.js never settles the COPY's stream (the error has no query left to reject), and the slice would
 * hang instead of failing as a data exception.
 */

/** The JSON text of a value, for an element cast to jsonb; SQL null for a missing value (never the JSON `null`). */
export function jsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * A text[] of values a provider sent (custom ids), read from a JSON array: a character Postgres cannot hold in text
 * (a NUL) is refused as in any JSON we send (SQLSTATE 22P05, a data exception the slice writer isolates), where a
 * raw text[] parameter would be refused by the encoding check (22021).
 */
export function providerText(tx: Sql, values: string[]) {
  return tx`array(select e from jsonb_array_elements_text(${tx.json(values)}::jsonb) with ordinality as t(e, n) order by n)`;
}
