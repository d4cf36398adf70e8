/** A length of time as an operator reads it in an alert: `45 s`, `12 min`, `6.5 h`. */
export function humanDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}
