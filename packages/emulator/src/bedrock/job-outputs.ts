import { closeSync, openSync, readSync } from 'node:fs';
import type { BatchRun } from '../core/batch-engine/batch';
import { batchRng } from '../core/batch-engine/plan';
import { inCompletionOrder } from '../core/batch-engine/results';
import type { BlobStore } from '../core/blob-store';
import { JsonlWriter, writeJsonlFile } from '../core/jsonl-writer';
import { type LineIdentity, ResultLineFaults } from '../core/result-line-faults';
import type { S3ObjectStore } from '../s3/object-store';
import { parseS3Uri } from '../s3/s3-uri';
import { generatedRecordId } from './ids';
import type { BedrockJob } from './job-record';
import { answerRecord, injectedErrorMessage, type RunContext } from './records';

export interface OutputDeps {
  blobs: BlobStore;
  store: S3ObjectStore;
}

/** Where a record's line carries its id. */
export const recordIdentity: LineIdentity = {
  get: (line) => (typeof line.recordId === 'string' ? line.recordId : null),
  set: (line, id) => {
    if (id === null) delete line.recordId;
    else line.recordId = id;
  },
};

/** `s3://b/out` and `s3://b/out/` alike: the job's folder is `out/{jobId}/`. */
export function outputFolder(job: BedrockJob): { bucket: string; prefix: string } {
  const location = parseS3Uri(job.params.outputDataConfig.s3OutputDataConfig.s3Uri)!;
  const base = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
  return { bucket: location.bucket, prefix: `${base}${job.id}/` };
}

/**
 * Writes `{out}/{jobId}/{input name}.out` for each input file (the records that ran, in completion order, so
 * shuffled; `modelInput` echoed; `modelOutput` or `error`) and `manifest.json.out`, then publishes them in S3.
 * Records are read again from the pinned input one at a time, so memory holds one record at a time.
 */
export async function writeJobOutputs(job: BedrockJob, run: BatchRun, deps: OutputDeps): Promise<void> {
  const plan = job.plan!;
  if (run.done === 0) return;
  const folder = outputFolder(job);
  const ctx: RunContext = {
    model: job.params.model,
    cachedFraction: job.faults.cachedFraction,
    cacheWriteFraction: job.faults.cacheWriteFraction,
    invalidJsonRate: job.faults.invalidJsonRate,
    rng: batchRng(job.faults.seed, 'bedrock', job.seq, 'result-ids'),
    jsonRng: batchRng(job.faults.seed, 'bedrock', job.seq, 'invalid-json'),
    nulAnswers: job.faults.nulAnswers,
  };
  const writers = plan.files.map(
    () => null as { writer: JsonlWriter; path: string; faults: ResultLineFaults | null } | null,
  );
  const totals = { success: 0, error: 0, inputTokens: 0, outputTokens: 0 };
  const fds = plan.files.map((file) => openSync(file.path, 'r'));
  let buffer = Buffer.alloc(64 * 1024);
  try {
    await inCompletionOrder(job, run, {
      ran: async (index) => {
        const bytes = plan.length[index]!;
        if (buffer.length < bytes) buffer = Buffer.allocUnsafe(bytes);
        readFully(fds[plan.fileIndex[index]!]!, buffer, bytes, plan.offset[index]!);
        const record = JSON.parse(buffer.toString('utf8', 0, bytes)) as Record<string, unknown>;
        const recordId =
          typeof record.recordId === 'string' ? record.recordId : generatedRecordId(job.id, index);
        const modelInput = record.modelInput as Record<string, unknown>;
        const status = plan.failStatus[index]!;
        let line: string;
        if (status !== 0) {
          const message = plan.failMessage.get(index) ?? injectedErrorMessage(status);
          const errorCode = job.options.errorCodeType === 'number' ? status : String(status);
          line = JSON.stringify({ recordId, modelInput, error: { errorCode, errorMessage: message } });
          totals.error += 1;
        } else {
          const answer = answerRecord(modelInput, ctx);
          line = JSON.stringify({ recordId, modelInput, modelOutput: answer.modelOutput });
          totals.success += 1;
          totals.inputTokens += answer.inputTokens;
          totals.outputTokens += answer.outputTokens;
        }
        const fileIndex = plan.fileIndex[index]!;
        let out = writers[fileIndex];
        if (!out) {
          const path = deps.blobs.newPath(`bedrock-${job.id}-out`);
          out = {
            writer: new JsonlWriter(path),
            path,
            faults: ResultLineFaults.of(
              job.faults.lines,
              job.faults.seed,
              ['bedrock', job.id, fileIndex],
              recordIdentity,
            ),
          };
          writers[fileIndex] = out;
        }
        for (const text of out.faults ? out.faults.apply(line) : [line]) {
          const waiting = out.writer.writeLine(text);
          if (waiting) await waiting;
        }
      },
    });
  } finally {
    for (const fd of fds) closeSync(fd);
    for (const out of writers) if (out) await out.writer.close();
  }

  const published: Array<{ key: string; path: string; contentType: string }> = [];
  for (const [fileIndex, out] of writers.entries()) {
    if (out)
      published.push({
        key: `${folder.prefix}${plan.files[fileIndex]!.name}.out`,
        path: out.path,
        contentType: 'application/octet-stream',
      });
  }
  const partial = run.reason !== 'completed';
  if (!partial || job.options.partialManifest) {
    const path = deps.blobs.newPath(`bedrock-${job.id}-manifest`);
    await writeJsonlFile(path, [
      JSON.stringify({
        totalRecordCount: plan.total,
        processedRecordCount: run.done,
        successRecordCount: totals.success,
        errorRecordCount: totals.error,
        inputTokenCount: totals.inputTokens,
        outputTokenCount: totals.outputTokens,
      }),
    ]);
    published.push({
      key: `${folder.prefix}manifest.json.out`,
      path,
      contentType: 'application/octet-stream',
    });
  }
  for (const file of published) {
    if (job.discarded) await deps.blobs.remove(file.path);
    else await deps.store.putFile(folder.bucket, file.key, file.path, file.contentType);
  }
}

function readFully(fd: number, buffer: Buffer, bytes: number, position: number): void {
  let read = 0;
  while (read < bytes) {
    const n = readSync(fd, buffer, read, bytes - read, position + read);
    if (n === 0) throw new Error('the input ended early');
    read += n;
  }
}
