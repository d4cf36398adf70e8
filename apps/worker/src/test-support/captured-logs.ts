import type { Logger } from '@tranche/config';
import pino from 'pino';

/** One log line as the worker wrote it: pino's fields plus the message under `msg`. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

export interface CapturedLogs {
  log: Logger;
  lines: LogLine[];
  /** The lines with this message, in the order they were written. */
  withMessage(msg: string): LogLine[];
}

/** A real pino logger that keeps its lines in memory instead of printing them: tests read what was logged. */
export function captureLogs(): CapturedLogs {
  const lines: LogLine[] = [];
  const log = pino(
    { name: 'tranche-worker', level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  return { log, lines, withMessage: (msg) => lines.filter((line) => line.msg === msg) };
}
