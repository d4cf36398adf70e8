import { eta } from './format-duration.js';
import type { Progress } from './progress.js';

/** Without control characters (a carriage return, an escape sequence) whatever the detail holds. */
const printable = (text: string) =>
  [...text].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('');

export interface LineProgressOptions {
  label: string;
  write: (line: string) => void;
  /** A line at most this often, besides one for each further 10% (default 2 s). */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Progress for a log, a pipe or CI: whole lines with no carriage return or escape sequence, one when 10% more is
 * done or `intervalMs` has passed since the last, and the final state on stop.
 */
export function lineProgress(options: LineProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 2000;
  const startedAt = now();
  let lastLineAt: number | null = null;
  let lastTenth = -1;
  let latest: { value: number; total: number | null; detail: string } | null = null;
  let printedState = '';
  const stateOf = (state: NonNullable<typeof latest>) => `${state.value}/${state.total} ${state.detail}`;

  const print = (at: number) => {
    if (!latest) return;
    const { value, total, detail } = latest;
    const parts = [options.label];
    if (total !== null) {
      const percent = total > 0 ? Math.floor((value / total) * 100) : 100;
      parts.push(`${percent}%`);
      const left = eta(at - startedAt, value, total);
      if (left) parts.push(`eta ${left}`);
    }
    if (detail) parts.push(detail);
    options.write(`${printable(parts.join('  '))}\n`);
    lastLineAt = at;
    printedState = stateOf(latest);
  };

  return {
    update(value, total, detail) {
      latest = { value, total, detail };
      const at = now();
      const tenth = total !== null && total > 0 ? Math.floor((value / total) * 10) : -1;
      const due = lastLineAt === null || at - lastLineAt >= intervalMs || tenth > lastTenth;
      lastTenth = Math.max(lastTenth, tenth);
      if (due) print(at);
    },
    stop() {
      if (latest && stateOf(latest) !== printedState) print(now());
    },
  };
}
