import { SingleBar } from 'cli-progress';
import { eta } from './format-duration.js';
import type { Progress } from './progress.js';

const KNOWN_TOTAL = '{label} [{bar}] {percentage}% | {detail} | ETA {left}';
const UNKNOWN_TOTAL = '{label} {detail} | {duration_formatted}';

/** A cli-progress bar on a terminal (stderr), redrawn in place; without a total, the detail alone. */
export function ttyProgress(label: string, stream: NodeJS.WritableStream = process.stderr): Progress {
  let bar: SingleBar | null = null;
  const startedAt = Date.now();
  return {
    update(value, total, detail) {
      const payload = { label, detail, left: eta(Date.now() - startedAt, value, total) ?? '-' };
      if (!bar) {
        bar = new SingleBar({
          format: total === null ? UNKNOWN_TOTAL : KNOWN_TOTAL,
          stream,
          hideCursor: true,
          barsize: 30,
        });
        bar.start(total ?? 0, value, payload);
        return;
      }
      if (total !== null) bar.setTotal(total);
      bar.update(value, payload);
    },
    stop() {
      bar?.stop();
    },
  };
}
