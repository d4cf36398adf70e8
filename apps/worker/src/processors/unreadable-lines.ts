import type { UnreadableLine } from '@tranche/adapters';
import type { Logger } from '@tranche/config';

export interface UnreadableLines {
  /** Lines whose input failed as `malformed_line`. */
  malformed: number;
  /** Lines with no custom id to fail: they answer no input. */
  unknown: number;
  /** Give this to `fetchResults`. */
  report(line: UnreadableLine): void;
}

/**
 * Counts and logs the result lines of one batch an adapter could not read. A log line names the file, the line
 * number and the custom id, never the line's content (an answer must not reach the logs).
 */
export function unreadableLines(log: Logger, where: { jobId: string; batchId: string }): UnreadableLines {
  const lines: UnreadableLines = {
    malformed: 0,
    unknown: 0,
    report(line) {
      const fields = {
        ...where,
        file: line.file,
        line: line.line,
        customId: line.customId,
        problem: line.problem,
      };
      if (line.customId === null) {
        lines.unknown += 1;
        log.warn(fields, 'unreadable result line with no custom id: counted as unknown');
      } else {
        lines.malformed += 1;
        log.warn(fields, 'unreadable result line: its input failed as malformed_line');
      }
    },
  };
  return lines;
}
