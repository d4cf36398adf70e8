/** `45s`, `3m 05s`, `2h 10m`: a remaining time for a progress line. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** The time left at the average pace so far; null until something is done, or once everything is. */
export function eta(elapsedMs: number, value: number, total: number | null): string | null {
  if (total === null || value <= 0 || value >= total) return null;
  return formatDuration((elapsedMs * (total - value)) / value);
}
