import type { BlobStore } from '../core/blob-store';
import { unixSeconds } from '../core/clock';
import { createRng, seedFrom } from '../core/prng';
import { ResultLineFaults, topLevelCustomId } from '../core/result-line-faults';
import { LazyFile } from '../openai/batch-results';
import { type FileRegistry, newFileId } from './file-registry';
import type { JobRecord } from './job-record';
import type { ErrorLineShape } from './options';
import { resultLine } from './result-lines';
import type { WireBatchError } from './types';

export interface ResultDeps {
  blobs: BlobStore;
  files: FileRegistry;
  errorShape: ErrorLineShape;
}

/**
 * Streams the output file (successes) and the error file (failures) for the first `done` requests in the
 * shuffled completion order, and registers them. A file with no lines is not created (seen live: `error_file`
 * stays null when nothing failed). Requests a timeout or a cancel cut off get no line.
 */
export async function writeJobResults(
  job: JobRecord,
  done: number,
  atMs: number,
  deps: ResultDeps,
): Promise<void> {
  const plan = job.plan;
  if (!plan) return;
  const rng = createRng(seedFrom(job.faults.seed, 'mistral', job.seq, 'result-ids'));
  const lineFaults = (file: string) =>
    ResultLineFaults.of(job.faults.lines, job.faults.seed, ['mistral', job.seq, file], topLevelCustomId);
  const output = new LazyFile(() => deps.blobs.newPath(`${job.id}-output`), lineFaults('output'));
  const errors = new LazyFile(() => deps.blobs.newPath(`${job.id}-error`), lineFaults('error'));
  const failuresByStatus = new Map<number, number>();
  const runningAt = job.runningAtMs ?? atMs;

  try {
    for (let k = 0; k < done; k++) {
      const index = plan.order[k]!;
      const outcome = plan.outcomes[index]!;
      if (outcome.kind === 'error') {
        failuresByStatus.set(outcome.status, (failuresByStatus.get(outcome.status) ?? 0) + 1);
      }
      const line = resultLine(plan.customIds[index]!, outcome, {
        jobId: job.id,
        index,
        created: unixSeconds(runningAt + ((k + 1) / plan.total) * job.stepMs),
        rng,
        errorShape: deps.errorShape,
      });
      const waiting = (outcome.kind === 'error' ? errors : output).write(line);
      if (waiting) await waiting;
    }
    const createdAt = unixSeconds(atMs);
    const register = async (file: LazyFile, kind: 'output' | 'error'): Promise<string | null> => {
      const bytes = await file.close();
      if (file.path === null) return null;
      if (job.discarded) {
        await deps.blobs.remove(file.path);
        return null;
      }
      const id = newFileId();
      deps.files.add(
        {
          id,
          object: 'file',
          bytes,
          created_at: createdAt,
          filename: `${job.id}_${kind}.jsonl`,
          purpose: 'batch',
          sample_type: kind === 'output' ? 'batch_result' : 'batch_error',
          source: 'mistral',
          num_lines: file.lines,
          mimetype: 'application/jsonl',
          signature: null,
          expires_at: null,
          visibility: 'workspace',
        },
        file.path,
      );
      return id;
    };
    job.outputFileId = await register(output, 'output');
    job.errorFileId = await register(errors, 'error');
    job.errors = summarizeFailures(failuresByStatus);
  } catch (error) {
    console.error(`[emulator] could not write results of ${job.id}`, error);
  }
}

/** Seen live on a SUCCESS job with two failed lines: `[{"message": "HTTP Error, status code: 400", "count": 2}]`. */
function summarizeFailures(byStatus: Map<number, number>): WireBatchError[] {
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => ({ message: `HTTP Error, status code: ${status}`, count }));
}
