import type { BlobStore } from '../core/blob-store';
import { unixSeconds } from '../core/clock';
import { JsonlWriter } from '../core/jsonl-writer';
import { createRng, seedFrom } from '../core/prng';
import { ResultLineFaults, topLevelCustomId } from '../core/result-line-faults';
import type { BatchRecord } from './batch-record';
import { type FileRegistry, newFileId } from './file-registry';
import { expiredLine, resultLine } from './result-lines';
import type { WireFile } from './types';

/** Output files are deleted 30 days after the batch completes unless `output_expires_after` says otherwise. */
const OUTPUT_TTL_S = 30 * 24 * 3600;

/** A result file that exists only once a line is written to it. */
export class LazyFile {
  path: string | null = null;
  lines = 0;
  private writer: JsonlWriter | null = null;

  /** `faults`: the batch's result-line faults, applied to every line written. */
  constructor(
    private readonly create: () => string,
    private readonly faults: ResultLineFaults | null = null,
  ) {}

  write(line: string): Promise<void> | null {
    if (this.faults) return this.writeAll(this.faults.apply(line));
    if (!this.writer) {
      this.path = this.create();
      this.writer = new JsonlWriter(this.path);
    }
    this.lines += 1;
    return this.writer.writeLine(line);
  }

  private async writeAll(lines: string[]): Promise<void> {
    for (const line of lines) {
      if (!this.writer) {
        this.path = this.create();
        this.writer = new JsonlWriter(this.path);
      }
      this.lines += 1;
      const waiting = this.writer.writeLine(line);
      if (waiting) await waiting;
    }
  }

  close(): Promise<number> {
    return this.writer ? this.writer.close() : Promise.resolve(0);
  }
}

/**
 * Streams the output file (successes) and error file (failures, then expiries), both in the
 * shuffled completion order, and registers them. A file with no lines is not created.
 */
export async function writeBatchResults(
  batch: BatchRecord,
  done: number,
  expired: boolean,
  atMs: number,
  deps: { blobs: BlobStore; files: FileRegistry },
): Promise<void> {
  const plan = batch.plan;
  if (!plan) return;
  const rng = createRng(seedFrom(batch.faults.seed, 'openai', batch.seq, 'result-ids'));
  const lineFaults = (file: string) =>
    ResultLineFaults.of(batch.faults.lines, batch.faults.seed, ['openai', batch.seq, file], topLevelCustomId);
  const output = new LazyFile(() => deps.blobs.newPath(`${batch.id}-output`), lineFaults('output'));
  const errors = new LazyFile(() => deps.blobs.newPath(`${batch.id}-error`), lineFaults('error'));
  const inProgressAt = batch.inProgressAtMs ?? atMs;

  try {
    for (let k = 0; k < done; k++) {
      const index = plan.order[k]!;
      const outcome = plan.outcomes[index]!;
      const created = unixSeconds(inProgressAt + ((k + 1) / plan.total) * batch.stepMs);
      const target = outcome.kind === 'error' ? errors : output;
      const waiting = target.write(resultLine(plan.customIds[index]!, outcome, created, rng));
      if (waiting) await waiting;
    }
    if (expired) {
      for (let k = done; k < plan.total; k++) {
        const waiting = errors.write(expiredLine(plan.customIds[plan.order[k]!]!, rng));
        if (waiting) await waiting;
      }
    }
    const createdAt = unixSeconds(atMs);
    const register = async (file: LazyFile, kind: 'output' | 'error'): Promise<string | null> => {
      const bytes = await file.close();
      if (file.path === null) return null;
      if (batch.discarded) {
        await deps.blobs.remove(file.path);
        return null;
      }
      const object: WireFile = {
        object: 'file',
        id: newFileId(),
        purpose: 'batch_output',
        filename: `${batch.id}_${kind}.jsonl`,
        bytes,
        created_at: createdAt,
        expires_at: createdAt + (batch.params.outputTtlSeconds ?? OUTPUT_TTL_S),
        status: 'processed',
        status_details: null,
      };
      deps.files.add(object, file.path, file.lines);
      return object.id;
    };
    const outputFileId = await register(output, 'output');
    // `lose_output_file`: the file exists, but the batch does not say so.
    batch.outputFileId = batch.faults.loseOutputFile ? null : outputFileId;
    batch.errorFileId = await register(errors, 'error');
  } catch (error) {
    console.error(`[emulator] could not write results of ${batch.id}`, error);
  }
}
