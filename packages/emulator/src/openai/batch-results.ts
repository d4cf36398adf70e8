import type { BatchRun } from '../core/batch-engine/batch';
import type { WrittenFile } from '../core/batch-engine/results';
import type { BlobStore } from '../core/blob-store';
import { unixSeconds } from '../core/clock';
import { writeCompatibleResults } from '../openai-compatible/result-files';
import type { OpenAIBatch } from './batch-record';
import { type FileRegistry, newFileId } from './file-registry';
import { expiredLine, type ResultLineStyle, resultLine } from './result-lines';

/** Output files are deleted 30 days after the batch completes unless `output_expires_after` says otherwise. */
const OUTPUT_TTL_S = 30 * 24 * 3600;

/**
 * Writes the output file (successes) and error file (failures, then expiries), both in the shuffled completion
 * order, and registers them. Requests a cancel cut off are in neither file (our choice: the guide only promises
 * "partial results"), unlike expiry, which lists them as `batch_expired`.
 */
export async function writeBatchResults(
  batch: OpenAIBatch,
  run: BatchRun,
  deps: { provider: string; blobs: BlobStore; files: FileRegistry; style?: ResultLineStyle },
): Promise<void> {
  const { customIds, outcomes } = batch.plan!;
  const written = await writeCompatibleResults(batch, run, deps, {
    ran: (index, finishedAt, rng) =>
      resultLine(
        customIds[index]!,
        outcomes[index]!,
        unixSeconds(finishedAt),
        rng,
        deps.style,
        batch.params.endpoint,
      ),
    notRun: run.reason === 'expired' ? (index, rng) => expiredLine(customIds[index]!, rng) : undefined,
  });
  const createdAt = unixSeconds(run.at);
  const register = (file: WrittenFile | null, kind: 'output' | 'error'): string | null =>
    file &&
    deps.files.add(
      {
        object: 'file',
        id: newFileId(),
        purpose: 'batch_output',
        filename: `${batch.id}_${kind}.jsonl`,
        bytes: file.bytes,
        created_at: createdAt,
        expires_at: createdAt + (batch.params.outputTtlSeconds ?? OUTPUT_TTL_S),
        status: 'processed',
        status_details: null,
      },
      file.path,
      file.lines,
    ).object.id;
  const outputFileId = register(written.output, 'output');
  // `lose_output_file`: the file exists, but the batch does not say so.
  batch.outputFileId = batch.faults.loseOutputFile ? null : outputFileId;
  batch.errorFileId = register(written.error, 'error');
}
