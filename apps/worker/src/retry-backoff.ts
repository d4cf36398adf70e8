export interface BackoffSettings {
  /** The first wait. */
  baseMs: number;
  /** No wait is longer than this, however long the trouble lasts. */
  maxMs: number;
}

/**
 * How long to wait before try number `retry + 1` (retry 0 is the first wait): the base, doubled each time up to the
 * cap, then a random part of the upper half of that, so that the many jobs one outage put to wait do not all come
 * back at the same moment.
 */
export function backoffMs(
  retry: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  // 2^30 already passes any sensible cap; stopping there keeps the number finite for any retry count.
  const exponential = settings.baseMs * 2 ** Math.min(Math.max(retry, 0), 30);
  const ceiling = Math.min(settings.maxMs, exponential);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
