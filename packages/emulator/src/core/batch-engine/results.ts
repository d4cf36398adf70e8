import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { BlobStore } from '../blob-store';
import { JsonlWriter } from '../jsonl-writer';
import { ResultLineFaults, topLevelCustomId } from '../result-line-faults';
import type { BatchRun, EngineBatch } from './batch';

export interface WrittenFile {
  path: string;
  bytes: number;
  lines: number;
}

/** A result file that exists only once a line is written to it; line faults, if any, apply to each line. */
class LazyJsonlFile {
  private path: string | null = null;
  private lines = 0;
  private writer: JsonlWriter | null = null;

  constructor(
    private readonly newPath: () => string,
    private readonly faults: ResultLineFaults | null = null,
  ) {}

  write(line: string): Promise<void> | null {
    if (this.faults) return this.writeAll(this.faults.apply(line));
    return this.writeOne(line);
  }

  /** The file as written, or null when it got no line. */
  async close(): Promise<WrittenFile | null> {
    if (!this.writer || this.path === null) return null;
    return { path: this.path, bytes: await this.writer.close(), lines: this.lines };
  }

  private writeOne(line: string): Promise<void> | null {
    if (!this.writer) {
      this.path = this.newPath();
      this.writer = new JsonlWriter(this.path);
    }
    this.lines += 1;
    return this.writer.writeLine(line);
  }

  private async writeAll(lines: string[]): Promise<void> {
    for (const line of lines) {
      const waiting = this.writeOne(line);
      if (waiting) await waiting;
    }
  }
}

/**
 * The result files of one batch by name (`<id>-<name>` on disk), each drawing its line faults from
 * `[provider, seq, name]`. Files that got no line are not created.
 */
export class ResultFiles<N extends string> {
  private readonly files = new Map<N, LazyJsonlFile>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly batch: EngineBatch,
    provider: string,
    names: readonly N[],
  ) {
    const { faults, seq, id } = batch;
    for (const name of names) {
      const lineFaults = ResultLineFaults.of(
        faults.lines,
        faults.seed,
        [provider, seq, name],
        topLevelCustomId,
      );
      this.files.set(name, new LazyJsonlFile(() => blobs.newPath(`${id}-${name}`), lineFaults));
    }
  }

  write(name: N, line: string): Promise<void> | null {
    return this.files.get(name)!.write(line);
  }

  /** Closes every file; a batch dropped meanwhile keeps none (they are removed). */
  async close(): Promise<Record<N, WrittenFile | null>> {
    const closed = {} as Record<N, WrittenFile | null>;
    for (const [name, file] of this.files) {
      const written = await file.close();
      if (written && this.batch.discarded) await this.blobs.remove(written.path);
      closed[name] = this.batch.discarded ? null : written;
    }
    return closed;
  }
}

type Awaitable = Promise<void> | null | undefined | void;

export interface CompletionOrderVisitor {
  /** A request that ran, and when it finished: the running step is spread evenly over the requests. */
  ran(index: number, finishedAt: number): Awaitable;
  /** A request the end kept from running (expiry, cancel); without it such requests are skipped. */
  notRun?(index: number): Awaitable;
}

const ROWS_PER_SLICE = 1000;

/**
 * Visits the batch's requests in completion order: the `run.done` that ran, then the rest. Yields to the event loop
 * every thousand requests to keep the emulator responsive, and stops when the batch is dropped.
 */
export async function inCompletionOrder(
  batch: EngineBatch,
  run: BatchRun,
  visitor: CompletionOrderVisitor,
): Promise<void> {
  const plan = batch.plan!;
  const runningAt = batch.at.running ?? run.at;
  const last = visitor.notRun ? plan.total : run.done;
  for (let k = 0; k < last && !batch.discarded; k++) {
    const index = plan.order[k]!;
    const waiting =
      k < run.done
        ? visitor.ran(index, runningAt + ((k + 1) / plan.total) * batch.stepMs)
        : visitor.notRun!(index);
    if (waiting) await waiting;
    if ((k + 1) % ROWS_PER_SLICE === 0) await yieldToEventLoop();
  }
}
