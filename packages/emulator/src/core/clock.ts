export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export function unixSecondsOrNull(ms: number | null): number | null {
  return ms === null ? null : unixSeconds(ms);
}

/** Share of `[startMs, startMs + durationMs]` that has elapsed at `nowMs`, clamped to 0..1. */
export function elapsedFraction(startMs: number, durationMs: number, nowMs: number): number {
  if (durationMs <= 0) return nowMs >= startMs ? 1 : 0;
  return Math.min(1, Math.max(0, (nowMs - startMs) / durationMs));
}
