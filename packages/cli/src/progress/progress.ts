/** One phase's progress (uploading, running): a value out of a total (null when unknown) and a line of detail. */
export interface Progress {
  update(value: number, total: number | null, detail: string): void;
  /** Shows the last state (a line-based progress prints it if it has not yet) and ends the display. */
  stop(): void;
}

/** `tty`: cli-progress bars redrawn in place; `lines`: one plain line per update at a modest rate; `off`. */
export type ProgressMode = 'tty' | 'lines' | 'off';

/** No progress with --json (stdout is for the JSON; stderr stays quiet), bars on a terminal, lines elsewhere. */
export function progressMode(json: boolean, stderr: { isTTY?: boolean } = process.stderr): ProgressMode {
  if (json) return 'off';
  return stderr.isTTY ? 'tty' : 'lines';
}

export const noProgress: Progress = { update() {}, stop() {} };
