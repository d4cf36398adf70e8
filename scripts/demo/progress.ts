import type { JobView } from '@tranche/client';

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function progressLine(job: JobView, elapsedMs: number): string {
  const r = job.reconciliation;
  const inFlight = job.batches.filter((b) => b.state !== 'fetched').length;
  return [
    seconds(elapsedMs).padStart(6),
    job.status.padEnd(9),
    `succeeded ${r.succeeded}  failed ${r.failed}  pending ${r.pending}`,
    `batches ${job.batches.length} (${inFlight} in flight)`,
  ].join('  ');
}

/**
 * One line rewritten in place on a terminal; on anything else (CI, a pipe) a line every few seconds and whenever
 * the status changes, so logs stay readable.
 */
export class Progress {
  private readonly live: boolean;
  private lastPrinted = 0;
  private lastStatus = '';
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly everyMs = 3_000,
  ) {
    this.live = Boolean(out.isTTY) && !process.env.CI;
  }

  update(job: JobView, elapsedMs: number): void {
    const line = progressLine(job, elapsedMs);
    if (this.live) {
      const width = (this.out.columns || 120) - 1;
      this.out.write(`\r\x1b[2K${line.slice(0, width)}`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (job.status !== this.lastStatus || now - this.lastPrinted >= this.everyMs) {
      this.out.write(`${line}\n`);
      this.lastPrinted = now;
      this.lastStatus = job.status;
    }
  }

  /** Leaves the last state on screen and moves below it. */
  done(job: JobView, elapsedMs: number): void {
    if (this.live) {
      this.update(job, elapsedMs);
      this.out.write('\n');
      this.drawn = false;
    } else if (job.status !== this.lastStatus) {
      this.out.write(`${progressLine(job, elapsedMs)}\n`);
    }
  }

  /** Ends the live line so other output starts on a fresh one. */
  interrupt(): void {
    if (this.live && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
