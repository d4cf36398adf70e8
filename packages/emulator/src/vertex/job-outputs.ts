import { closeSync, openSync, readSync } from 'node:fs';
import type { BatchRun } from '../core/batch-engine/batch';
import { inCompletionOrder } from '../core/batch-engine/results';
import type { BlobStore } from '../core/blob-store';
import { embeddingModelSize } from '../core/embedding-models';
import { ResultLineFaults } from '../core/result-line-faults';
import { parseGsUri } from '../gcs/gs-uri';
import { digestFile } from '../gcs/object-digest';
import type { GcsObjectStore } from '../gcs/object-store';
import type { VertexJob } from './job-record';
import { vertexLineId } from './line-identity';
import { isRecord } from './proto-json';
import { checkRow } from './request-row';
import { chatLine, embeddingLine, failureLine, type RowContext } from './result-row';
import { ShardedOutput } from './sharded-output';

export interface OutputDeps {
  blobs: BlobStore;
  store: GcsObjectStore;
}

/**
 * Writes the rows that ran (in completion order) under the job's output directory and publishes them as GCS
 * objects. Rows are read again from the input a window at a time and run through the model, so memory holds a
 * few MB at a time.
 */
export async function writeJobOutputs(job: VertexJob, run: BatchRun, deps: OutputDeps): Promise<void> {
  const plan = job.plan!;
  const directory = job.outputDirectory ? parseGsUri(job.outputDirectory) : null;
  if (!directory || run.done === 0) return;
  const output = new ShardedOutput(directory.name, job.options.shardLines, () =>
    deps.blobs.newPath(`vertex-${job.id}-out`),
  );
  const lineFaults = ResultLineFaults.of(job.faults.lines, job.faults.seed, ['vertex', job.id], vertexLineId);
  const context: RowContext = {
    modelVersion: `${job.params.modelId}@default`,
    model: job.params.model,
    processedTime: '',
    cachedFraction: job.faults.cachedFraction,
    nulAnswers: job.faults.nulAnswers,
    dimensions:
      job.params.outputDimensionality ??
      job.options.embeddingDimensions ??
      embeddingModelSize(job.params.modelId).defaultDimensions,
  };

  const fds = plan.files.map((file) => openSync(file.path, 'r'));
  try {
    // Rows come window by window (see JobPlan): read each window of the input once.
    let window = -1;
    let windowOffset = 0;
    let buffer = Buffer.alloc(0);
    await inCompletionOrder(job, run, {
      ran: async (index, finishedAt) => {
        if (plan.windowOf[index] !== window) {
          window = plan.windowOf[index]!;
          const first = plan.windowStart[window]!;
          const last = plan.windowEnd[window]! - 1;
          windowOffset = plan.offset[first]!;
          const bytes = plan.offset[last]! + plan.length[last]! - windowOffset;
          if (buffer.length < bytes) buffer = Buffer.allocUnsafe(bytes);
          readFully(fds[plan.fileIndex[first]!]!, buffer, bytes, windowOffset);
        }
        const start = plan.offset[index]! - windowOffset;
        const parsed: unknown = JSON.parse(buffer.toString('utf8', start, start + plan.length[index]!));
        const row = checkRow(isRecord(parsed) ? parsed : {}, job.params);
        context.processedTime = processedTime(finishedAt);
        const status = plan.failStatus[index]!;
        let line: string;
        if (status !== 0 || row.kind === 'invalid') {
          line = failureLine(row, status || 400, plan.failMessage.get(index), context);
        } else if (row.kind === 'chat') {
          line = chatLine(row, plan.corrupt[index] === 1, context);
        } else {
          line = embeddingLine(row, context);
        }
        for (const out of lineFaults ? lineFaults.apply(line) : [line]) await output.writeLine(out);
      },
    });
    await output.close();
  } finally {
    for (const fd of fds) closeSync(fd);
  }

  for (const file of output.files) {
    if (job.discarded) {
      await deps.blobs.remove(file.path);
      continue;
    }
    deps.store.put({
      bucket: directory.bucket,
      name: file.name,
      path: file.path,
      digest: await digestFile(file.path),
      contentType: 'application/jsonl',
    });
  }
}

/** The output lines' form: `2024-11-13T14:04:28.376+00:00`. */
function processedTime(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace('Z', '+00:00');
}

function readFully(fd: number, buffer: Buffer, bytes: number, position: number): void {
  let read = 0;
  while (read < bytes) {
    const n = readSync(fd, buffer, read, bytes - read, position + read);
    if (n === 0) throw new Error('the input ended early');
    read += n;
  }
}
