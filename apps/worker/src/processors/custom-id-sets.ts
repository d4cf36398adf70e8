export interface CustomIdComparison {
  /** The results answer exactly the chunk's requests, each at least once. */
  same: boolean;
  /** The chunk's custom ids no result names. */
  missing: number;
  /** Distinct custom ids of results that are not the chunk's. */
  unexpected: number;
}

/** Compares, as sets, the custom ids a chunk sent with those a provider batch's results name. */
export function compareCustomIds(chunk: readonly string[], results: Iterable<string>): CustomIdComparison {
  const expected = new Set(chunk);
  const answered = new Set<string>();
  let unexpected = 0;
  for (const id of results) {
    if (answered.has(id)) continue;
    answered.add(id);
    if (!expected.has(id)) unexpected += 1;
  }
  let missing = 0;
  for (const id of expected) if (!answered.has(id)) missing += 1;
  return { same: missing === 0 && unexpected === 0, missing, unexpected };
}
