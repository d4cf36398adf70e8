import type { BatchRun } from '../core/batch-engine/batch';
import type { WrittenFile } from '../core/batch-engine/results';
import type { BlobStore } from '../core/blob-store';
import { unixSeconds } from '../core/clock';
import { writeCompatibleResults } from '../openai-compatible/result-files';
import { type FileRegistry, newFileId } from './file-registry';
import type { MistralJob } from './job-record';
import type { ErrorLineShape } from './options';
import { resultLine } from './result-lines';
import type { WireBatchError } from './types';

/**
 * Writes the output file (successes) and the error file (failures) for the requests that ran, in the shuffled
 * completion order, and registers them (unless the job keeps them hidden: `inline_result_files`). Seen live:
 * `error_file` stays null when nothing failed. Requests a timeout or a cancel cut off get no line.
 */
export async function writeJobResults(
  job: MistralJob,
  run: BatchRun,
  deps: { blobs: BlobStore; files: FileRegistry; errorShape: ErrorLineShape },
): Promise<void> {
  const plan = job.plan!;
  const failuresByStatus = new Map<number, number>();
  const written = await writeCompatibleResults(
    job,
    run,
    { provider: 'mistral', blobs: deps.blobs },
    {
      ran: (index, finishedAt, rng) => {
        const outcome = plan.outcomes[index]!;
        if (outcome.kind === 'error') {
          failuresByStatus.set(outcome.status, (failuresByStatus.get(outcome.status) ?? 0) + 1);
        }
        const created = unixSeconds(finishedAt);
        return resultLine(plan.customIds[index]!, outcome, {
          jobId: job.id,
          index,
          created,
          rng,
          errorShape: deps.errorShape,
        });
      },
    },
  );
  const createdAt = unixSeconds(run.at);
  if (job.hiddenResultPaths) {
    for (const file of [written.output, written.error]) if (file) job.hiddenResultPaths.push(file.path);
    job.errors = summarizeFailures(failuresByStatus);
    return;
  }
  const register = (file: WrittenFile | null, kind: 'output' | 'error'): string | null =>
    file &&
    deps.files.add(
      {
        id: newFileId(),
        object: 'file',
        bytes: file.bytes,
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
      file.lines,
    ).object.id;
  job.outputFileId = register(written.output, 'output');
  job.errorFileId = register(written.error, 'error');
  job.errors = summarizeFailures(failuresByStatus);
}

/** Seen live on a SUCCESS job with two failed lines: `[{"message": "HTTP Error, status code: 400", "count": 2}]`. */
function summarizeFailures(byStatus: Map<number, number>): WireBatchError[] {
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => ({ message: `HTTP Error, status code: ${status}`, count }));
}
