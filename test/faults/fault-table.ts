import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_DIR } from '../support/processes';
import type { FaultFigures } from './invariants';

/** One row of RELIABILITY.md's fault table: what was injected and what the job looked like once it ended. */
export interface FaultRow extends FaultFigures {
  case: string;
  injected: string;
  status: string;
  /** From the end of the fault (or from the injection, for a one-off fault) to the job's end. */
  recoverySeconds: number;
}

const ROWS_FILE = join(OUTPUT_DIR, 'fault-rows.ndjson');

/** Rows are appended by each test file (each runs in its own worker) and printed once by the global teardown. */
export function recordFaultRow(row: FaultRow): void {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  appendFileSync(ROWS_FILE, `${JSON.stringify(row)}\n`);
}

export function resetFaultRows(): void {
  rmSync(ROWS_FILE, { force: true });
}

export function faultTableMarkdown(): string {
  let rows: FaultRow[] = [];
  try {
    rows = readFileSync(ROWS_FILE, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as FaultRow);
  } catch {
    return 'no fault case recorded a row';
  }
  const header =
    '| case | injected | inputs | lost | duplicates | sent twice | costs miscounted | job ended | time to recover |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---|---:|';
  const lines = rows.map(
    (r) =>
      `| ${r.case} | ${r.injected} | ${r.inputs} | ${r.lost} | ${r.duplicates} | ${r.sentTwice} | ${r.costsMiscounted} | ${r.status} | ${r.recoverySeconds.toFixed(1)} s |`,
  );
  return [header, rule, ...lines].join('\n');
}
