import { lineProgress } from './line-progress.js';
import { noProgress, type Progress, type ProgressMode } from './progress.js';
import { ttyProgress } from './tty-progress.js';

/** The progress display of one phase on stderr, as the mode says. */
export function createProgress(mode: ProgressMode, label: string): Progress {
  if (mode === 'off') return noProgress;
  if (mode === 'tty') return ttyProgress(label);
  return lineProgress({ label, write: (line) => process.stderr.write(line) });
}
